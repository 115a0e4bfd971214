//! Small sampling helpers over a seeded generator, so that every draw is
//! reproducible from the seed.

use rand::RngExt;
use rand::rngs::SmallRng;

/// A uniform draw in (0, 1], safe to take the logarithm of.
fn open01(rng: &mut SmallRng) -> f64 {
    1.0 - rng.random::<f64>()
}

/// Standard normal (Box–Muller).
pub fn normal(rng: &mut SmallRng) -> f64 {
    let u1 = open01(rng);
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Log-normal with the given median; `sigma` is the spread in log space.
pub fn lognormal(rng: &mut SmallRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Pareto with minimum 1: heavy-tailed sizes and activity levels.
pub fn pareto(rng: &mut SmallRng, alpha: f64) -> f64 {
    open01(rng).powf(-1.0 / alpha)
}

/// Poisson counts; normal approximation for large means keeps it O(1).
pub fn poisson(rng: &mut SmallRng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        let x = lambda + lambda.sqrt() * normal(rng);
        return x.round().max(0.0) as u32;
    }
    let limit = (-lambda).exp();
    let mut k = 0u32;
    let mut p = 1.0;
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

pub fn cumulative(weights: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w.max(0.0);
            acc
        })
        .collect()
}

/// An index drawn with probability proportional to its weight.
pub fn pick_cumulative(rng: &mut SmallRng, cum: &[f64]) -> usize {
    let total = cum.last().copied().unwrap_or(0.0);
    if total <= 0.0 {
        return rng.random_range(0..cum.len().max(1));
    }
    let x = rng.random::<f64>() * total;
    cum.partition_point(|c| *c <= x).min(cum.len() - 1)
}
