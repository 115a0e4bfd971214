//! How an import shows that it is moving: a bar with rate and time left on
//! a terminal, a plain line every few seconds otherwise (logs, pipes), or
//! nothing (tests).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};

/// Told about each file as it is read.
pub trait Progress {
    /// A file of `bytes` bytes starts.
    fn start(&mut self, file: &str, bytes: u64);
    /// `position` bytes of the current file are read, `rows` rows done.
    fn advance(&mut self, position: u64, rows: u64);
    /// The current file is done after `rows` rows.
    fn finish(&mut self, rows: u64);
    /// A step of no measurable length starts (after the files: rebuilding
    /// indexes, indexing for search, committing); the one before is done.
    fn step(&mut self, _what: &str) {}
    /// The last step is done.
    fn steps_done(&mut self) {}
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: &str, _: u64) {}
    fn advance(&mut self, _: u64, _: u64) {}
    fn finish(&mut self, _: u64) {}
}

/// A progress bar on standard error's terminal.
pub struct Bar {
    bar: Option<ProgressBar>,
    file: String,
    /// The step running, with its time.
    step: Option<ProgressBar>,
}

impl Bar {
    pub fn new() -> Self {
        Bar {
            bar: None,
            file: String::new(),
            step: None,
        }
    }
}

impl Default for Bar {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Bar {
    fn start(&mut self, file: &str, bytes: u64) {
        let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:<22} [{bar:30}] {binary_bytes:>10}/{binary_total_bytes} {binary_bytes_per_sec:>12}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(file.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        self.file = file.to_owned();
        self.bar = Some(bar);
    }

    fn advance(&mut self, position: u64, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            if rows.is_multiple_of(4096) {
                bar.set_message(format!("{} {rows} rows", self.file));
            }
        }
    }

    fn finish(&mut self, rows: u64) {
        if let Some(bar) = self.bar.take() {
            bar.finish_with_message(format!("{} {rows} rows", self.file));
        }
    }

    fn step(&mut self, what: &str) {
        self.steps_done();
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg:<22} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(what.to_owned());
        spinner.enable_steady_tick(Duration::from_millis(200));
        self.step = Some(spinner);
    }

    fn steps_done(&mut self) {
        if let Some(spinner) = self.step.take() {
            spinner.finish();
        }
    }
}

/// A log line every few seconds with rows, rate and time left.
pub struct Lines {
    file: String,
    bytes: u64,
    started: Instant,
    last: Instant,
    every: Duration,
    /// The step running and when it started.
    step: Option<(String, Instant)>,
}

impl Lines {
    pub fn new(every: Duration) -> Self {
        Lines {
            file: String::new(),
            bytes: 0,
            started: Instant::now(),
            last: Instant::now(),
            every,
            step: None,
        }
    }
}

impl Progress for Lines {
    fn start(&mut self, file: &str, bytes: u64) {
        self.file = file.to_owned();
        self.bytes = bytes;
        self.started = Instant::now();
        self.last = self.started;
        tracing::info!(file, bytes, "reading");
    }

    fn advance(&mut self, position: u64, rows: u64) {
        if !rows.is_multiple_of(1024) || self.last.elapsed() < self.every {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = rows as f64 / secs;
        let left = if position > 0 {
            secs * (self.bytes.saturating_sub(position)) as f64 / position as f64
        } else {
            0.0
        };
        tracing::info!(
            file = %self.file,
            rows,
            percent = format!("{:.1}", 100.0 * position as f64 / self.bytes.max(1) as f64),
            rows_per_sec = format!("{rate:.0}"),
            eta_secs = format!("{left:.0}"),
            "importing"
        );
    }

    fn finish(&mut self, rows: u64) {
        let secs = self.started.elapsed().as_secs_f64();
        tracing::info!(file = %self.file, rows, secs = format!("{secs:.1}"), "done");
    }

    fn step(&mut self, what: &str) {
        self.steps_done();
        tracing::info!(step = what, "started");
        self.step = Some((what.to_owned(), Instant::now()));
    }

    fn steps_done(&mut self) {
        if let Some((what, started)) = self.step.take() {
            let secs = started.elapsed().as_secs_f64();
            tracing::info!(step = %what, secs = format!("{secs:.1}"), "done");
        }
    }
}
