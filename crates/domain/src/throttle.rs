//! Sign-in throttling with growing delays. Failures are counted per key —
//! one account from one client, and one client — and after a number of
//! free tries each further attempt on that key waits twice as long as the
//! one before, up to a ceiling. Nothing here locks an account: failures
//! from one client never make a correct password fail from another.
//! Pure arithmetic; the store keeps the counts and the app passes them in.

/// How a kind of key is throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Failures allowed before any wait.
    pub free: i64,
    /// The first wait, in seconds; each further failure doubles it.
    pub first_wait_secs: i64,
    /// The longest wait, in seconds.
    pub max_wait_secs: i64,
    /// A key with no failure for this long starts again from nothing.
    pub forget_after_secs: i64,
}

/// One account tried from one client: a person mistyping their own
/// password gets five free tries, then waits 5, 10, 20 … seconds, at most
/// a quarter of an hour (so about a hundred guesses a day at most).
pub const PER_ACCOUNT_CLIENT: Limit = Limit {
    free: 5,
    first_wait_secs: 5,
    max_wait_secs: 15 * 60,
    forget_after_secs: 60 * 60,
};

/// One client trying many accounts (password spraying): more free tries,
/// since an office may share one address, then the same growing waits.
pub const PER_CLIENT: Limit = Limit {
    free: 30,
    first_wait_secs: 5,
    max_wait_secs: 15 * 60,
    forget_after_secs: 60 * 60,
};

/// How long to wait after `failures` failures, counted from the last one.
pub fn delay(limit: Limit, failures: i64) -> i64 {
    if failures < limit.free {
        return 0;
    }
    let doublings = (failures - limit.free).min(30) as u32;
    limit
        .first_wait_secs
        .saturating_mul(1i64 << doublings)
        .min(limit.max_wait_secs)
}

/// Seconds still to wait at `now`, if any.
pub fn wait(limit: Limit, failures: i64, last: i64, now: i64) -> Option<i64> {
    if now - last >= limit.forget_after_secs {
        return None;
    }
    let until = last + delay(limit, failures);
    (until > now).then_some(until - now)
}

/// "3 minutes", "1 minute", "40 seconds".
pub fn wait_words(secs: i64) -> String {
    if secs >= 90 {
        format!("{} minutes", (secs + 59) / 60)
    } else if secs >= 60 {
        "1 minute".into()
    } else if secs == 1 {
        "1 second".into()
    } else {
        format!("{} seconds", secs.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit {
        free: 3,
        first_wait_secs: 1,
        max_wait_secs: 100,
        forget_after_secs: 1000,
    };

    #[test]
    fn free_tries_then_doubling_waits_up_to_the_ceiling() {
        assert_eq!(delay(L, 0), 0);
        assert_eq!(delay(L, 2), 0);
        assert_eq!(delay(L, 3), 1);
        assert_eq!(delay(L, 4), 2);
        assert_eq!(delay(L, 6), 8);
        assert_eq!(delay(L, 10), 100);
        assert_eq!(delay(L, i64::MAX), 100, "no overflow");
        assert_eq!(delay(PER_ACCOUNT_CLIENT, 5), 5);
        assert_eq!(delay(PER_ACCOUNT_CLIENT, 6), 10);
        assert_eq!(delay(PER_ACCOUNT_CLIENT, 100), 15 * 60);
    }

    #[test]
    fn waits_count_from_the_last_failure_and_are_forgotten() {
        assert_eq!(wait(L, 2, 50, 50), None);
        assert_eq!(wait(L, 5, 50, 50), Some(4));
        assert_eq!(wait(L, 5, 50, 53), Some(1));
        assert_eq!(wait(L, 5, 50, 54), None);
        assert_eq!(wait(L, 50, 0, 99), Some(1));
        assert_eq!(wait(L, 50, 0, 1000), None, "forgotten after a quiet while");
    }

    #[test]
    fn waits_read_well() {
        assert_eq!(wait_words(600), "10 minutes");
        assert_eq!(wait_words(61), "1 minute");
        assert_eq!(wait_words(40), "40 seconds");
        assert_eq!(wait_words(1), "1 second");
        assert_eq!(wait_words(91), "2 minutes");
    }
}
