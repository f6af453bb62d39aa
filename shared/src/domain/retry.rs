//! The retry schedule: N delays mean N + 1 attempts. Each delay gets up to 20 % jitter either
//! way, so that endpoints that failed together are not retried in lockstep; a `Retry-After`
//! raises the next delay to at least what the receiver asked, capped at the longest delay of
//! the schedule so that no receiver can park a delivery forever.

use std::fmt;
use std::time::Duration;

pub const DEFAULT_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";
const JITTER: f64 = 0.2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl RetrySchedule {
    /// Parses `5s,5m,30m,...` (any `humantime` durations); an empty text means no retries.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut delays = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let delay = humantime::parse_duration(part).map_err(|e| format!("{part:?}: {e}"))?;
            if delay.is_zero() {
                return Err(format!("{part:?}: a delay must be longer than zero"));
            }
            delays.push(delay);
        }
        Ok(Self(delays))
    }

    pub fn production() -> Self {
        Self::parse(DEFAULT_SCHEDULE).unwrap_or(Self(Vec::new()))
    }

    /// How many attempts a delivery gets in all.
    pub fn attempts(&self) -> u32 {
        u32::try_from(self.0.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    fn longest(&self) -> Duration {
        self.0.iter().max().copied().unwrap_or_default()
    }

    /// The delay before the attempt after `attempt` (1-based) failed, or `None` when that was
    /// the last one. `jitter` is drawn uniformly from [-1, 1] by the caller.
    pub fn next_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        let base = *self.0.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
        let factor = 1.0 + JITTER * jitter.clamp(-1.0, 1.0);
        let jittered = base.mul_f64(factor);
        Some(match retry_after {
            Some(asked) => jittered.max(asked).min(self.longest().max(jittered)),
            None => jittered,
        })
    }
}

impl fmt::Display for RetrySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|d| humantime::format_duration(*d).to_string())
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn the_production_schedule_has_eight_attempts() {
        let schedule = RetrySchedule::production();
        assert_eq!(schedule.attempts(), 8);
        assert_eq!(schedule.next_delay(1, None, 0.0), Some(secs(5)));
        assert_eq!(schedule.next_delay(3, None, 0.0), Some(secs(30 * 60)));
        assert_eq!(schedule.next_delay(7, None, 0.0), Some(secs(10 * 3600)));
        assert_eq!(schedule.next_delay(8, None, 0.0), None);
        assert_eq!(schedule.next_delay(0, None, 0.0), None);
    }

    #[test]
    fn retry_after_raises_the_delay_up_to_the_longest_one() {
        let schedule = RetrySchedule::parse("1s,10s").unwrap();
        assert_eq!(schedule.next_delay(1, Some(secs(4)), 0.0), Some(secs(4)));
        assert_eq!(
            schedule.next_delay(1, Some(secs(3600)), 0.0),
            Some(secs(10))
        );
        assert_eq!(schedule.next_delay(2, Some(secs(1)), 0.0), Some(secs(10)));
    }

    #[test]
    fn bad_schedules_are_refused() {
        assert!(RetrySchedule::parse("5s,soon").is_err());
        assert!(RetrySchedule::parse("0s").is_err());
        assert_eq!(RetrySchedule::parse("").unwrap().attempts(), 1);
    }

    proptest! {
        #[test]
        fn jitter_stays_within_twenty_percent(attempt in 1u32..8, jitter in -1.0f64..=1.0) {
            let schedule = RetrySchedule::production();
            let base = schedule.next_delay(attempt, None, 0.0).unwrap().as_secs_f64();
            let delay = schedule.next_delay(attempt, None, jitter).unwrap().as_secs_f64();
            prop_assert!(delay >= base * 0.8 - 1e-6 && delay <= base * 1.2 + 1e-6);
        }
    }
}
