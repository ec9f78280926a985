//! The lockout rule for password logins, as pure functions of (policy,
//! state, now): after `max_failures` wrong passwords in a row the account
//! is locked; each further lock lasts twice as long as the one before, up
//! to `max_lock_secs`. A successful login clears everything.
//!
//! While locked, attempts are refused without looking at the password and
//! do not count, so a locked account cannot be locked for longer by
//! someone hammering it.

use civicmeet_store::LoginState;

/// How strict the lockout is (from `[accounts]` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Wrong passwords in a row that lock the account.
    pub max_failures: u32,
    /// The first lock's length in seconds.
    pub base_lock_secs: u32,
    /// No lock lasts longer than this.
    pub max_lock_secs: u32,
}

/// What one wrong password did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Counted; not locked (yet).
    Counted(LoginState),
    /// This failure locked the account until `until`.
    Locked { state: LoginState, until: i64 },
}

/// Whether the account is locked at `now`.
pub fn is_locked(state: &LoginState, now: i64) -> bool {
    state.locked_until.is_some_and(|until| now < until)
}

/// How long the `nth` lock (1-based) lasts: base · 2^(n-1), capped.
pub fn lock_secs(policy: &Policy, nth: u32) -> u32 {
    let doublings = nth.saturating_sub(1).min(31);
    policy
        .base_lock_secs
        .saturating_mul(1u32 << doublings)
        .min(policy.max_lock_secs)
}

/// The state after a wrong password at `now` (the caller checked that the
/// account was not locked).
pub fn after_failure(policy: &Policy, state: &LoginState, now: i64) -> Failure {
    let failed = state.failed_attempts.saturating_add(1);
    if u32::try_from(failed).unwrap_or(u32::MAX) < policy.max_failures.max(1) {
        return Failure::Counted(LoginState {
            failed_attempts: failed,
            lock_count: state.lock_count,
            locked_until: state.locked_until,
        });
    }
    let nth = state.lock_count.saturating_add(1);
    let until = now + i64::from(lock_secs(policy, u32::try_from(nth).unwrap_or(u32::MAX)));
    Failure::Locked {
        state: LoginState {
            failed_attempts: 0,
            lock_count: nth,
            locked_until: Some(until),
        },
        until,
    }
}

/// The state after a successful login.
pub fn after_success() -> LoginState {
    LoginState::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        max_failures: 5,
        base_lock_secs: 60,
        max_lock_secs: 3600,
    };

    fn fail_until_locked(mut state: LoginState, now: i64) -> (LoginState, i64) {
        for n in 1..=5 {
            match after_failure(&POLICY, &state, now) {
                Failure::Counted(next) => {
                    assert!(n < 5, "the fifth failure locks");
                    state = next;
                }
                Failure::Locked { state, until } => {
                    assert_eq!(n, 5);
                    return (state, until);
                }
            }
        }
        unreachable!("five failures lock");
    }

    #[test]
    fn five_failures_lock_for_a_period_that_doubles_up_to_the_cap() {
        let now = 1_000_000;
        let (state, until) = fail_until_locked(LoginState::default(), now);
        assert_eq!(until, now + 60);
        assert!(is_locked(&state, now + 59));
        assert!(!is_locked(&state, now + 60));
        let (state, until) = fail_until_locked(state, now + 60);
        assert_eq!(until, now + 60 + 120);
        let (state, until) = fail_until_locked(state, now + 1000);
        assert_eq!(until, now + 1000 + 240);
        assert_eq!(state.lock_count, 3);
        let many = LoginState {
            lock_count: 40,
            ..LoginState::default()
        };
        let (_, until) = fail_until_locked(many, now);
        assert_eq!(until, now + 3600, "capped");
    }

    #[test]
    fn the_lock_length_never_overflows() {
        for nth in [0, 1, 2, 7, 32, 33, u32::MAX] {
            assert!(lock_secs(&POLICY, nth) <= 3600);
        }
        assert_eq!(lock_secs(&POLICY, 1), 60);
        assert_eq!(lock_secs(&POLICY, 6), 1920);
        assert_eq!(lock_secs(&POLICY, 7), 3600);
        let odd = LoginState {
            failed_attempts: i32::MAX,
            lock_count: i32::MAX,
            locked_until: None,
        };
        assert!(matches!(
            after_failure(&POLICY, &odd, 0),
            Failure::Locked { .. }
        ));
    }

    #[test]
    fn success_clears_the_counters() {
        assert_eq!(after_success(), LoginState::default());
        assert!(!is_locked(&after_success(), 0));
    }
}
