//! Sign-in throttling: after too many failures in a sliding window, an
//! account (or a network address) must wait. Pure bookkeeping; the caller
//! keeps one [`Failures`] per key and passes the time in.

use std::collections::VecDeque;

/// How many failures within how long lock a key, per kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub failures: usize,
    pub window_secs: i64,
}

/// A person guessing their own password gets five tries a quarter hour.
pub const PER_ACCOUNT: Limit = Limit {
    failures: 5,
    window_secs: 15 * 60,
};

/// One address may fail more often (an office behind one address), but
/// not enough to try many accounts.
pub const PER_ADDRESS: Limit = Limit {
    failures: 20,
    window_secs: 15 * 60,
};

/// The times of recent failures of one key, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Failures(VecDeque<i64>);

impl Failures {
    fn forget_before(&mut self, since: i64) {
        while self.0.front().is_some_and(|t| *t <= since) {
            self.0.pop_front();
        }
    }

    /// Records a failure at `now`.
    pub fn record(&mut self, limit: Limit, now: i64) {
        self.forget_before(now - limit.window_secs);
        self.0.push_back(now);
        while self.0.len() > limit.failures {
            self.0.pop_front();
        }
    }

    /// Seconds to wait before the next attempt, if the key is locked.
    pub fn wait(&mut self, limit: Limit, now: i64) -> Option<i64> {
        self.forget_before(now - limit.window_secs);
        if self.0.len() < limit.failures {
            return None;
        }
        self.0
            .front()
            .map(|oldest| (oldest + limit.window_secs - now).max(1))
    }

    /// Nothing recent to remember: the key can be dropped.
    pub fn is_stale(&self, limit: Limit, now: i64) -> bool {
        self.0.back().is_none_or(|t| *t <= now - limit.window_secs)
    }
}

/// "3 minutes", "1 minute", "40 seconds".
pub fn wait_words(secs: i64) -> String {
    if secs >= 90 {
        format!("{} minutes", (secs + 59) / 60)
    } else if secs >= 60 {
        "1 minute".into()
    } else {
        format!("{} seconds", secs.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit {
        failures: 3,
        window_secs: 100,
    };

    #[test]
    fn locks_after_the_limit_and_opens_when_the_oldest_failure_ages_out() {
        let mut f = Failures::default();
        f.record(L, 0);
        f.record(L, 10);
        assert_eq!(f.wait(L, 20), None);
        f.record(L, 20);
        assert_eq!(f.wait(L, 20), Some(80));
        assert_eq!(f.wait(L, 99), Some(1));
        assert_eq!(f.wait(L, 100), None, "the failure at 0 left the window");
        f.record(L, 101);
        assert_eq!(f.wait(L, 101), Some(9), "failures at 10, 20, 101");
    }

    #[test]
    fn old_failures_are_forgotten() {
        let mut f = Failures::default();
        for t in 0..10 {
            f.record(L, t);
        }
        assert!(f.wait(L, 10).is_some());
        assert!(!f.is_stale(L, 50));
        assert!(f.is_stale(L, 109));
        assert_eq!(f.wait(L, 200), None);
    }

    #[test]
    fn waits_read_well() {
        assert_eq!(wait_words(600), "10 minutes");
        assert_eq!(wait_words(61), "1 minute");
        assert_eq!(wait_words(40), "40 seconds");
        assert_eq!(wait_words(91), "2 minutes");
    }
}
