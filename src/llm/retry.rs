//! When and how long to wait before trying a request again.

use std::time::Duration;

/// Upper bound of the exponential backoff (design: capped at 8 s).
pub const BACKOFF_CAP: Duration = Duration::from_secs(8);
/// A `Retry-After` longer than this is not waited out: the request fails with the server's
/// message instead of hanging the interview.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
}

impl RetryPolicy {
    /// Delay before retry number `attempt` (0-based): the server's `Retry-After` when given,
    /// otherwise `base · 2^attempt` capped at 8 s, scaled by a random 50–100% so clients that
    /// failed together do not retry together.
    pub fn delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let exponential = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(BACKOFF_CAP);
        exponential.mul_f64(0.5 + rng.f64() * 0.5)
    }
}

/// Parses a `Retry-After` header: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        // Absurd values ("1e30") are not a delay anyone will wait for: treat as unparseable.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 10:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_retry_after("1e30", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            max_retries: 10,
            base: Duration::from_millis(500),
        };
        let mut rng = fastrand::Rng::with_seed(1);
        for attempt in 0..10 {
            let d = policy.delay(attempt, None, &mut rng);
            let full = Duration::from_millis(500 * (1 << attempt)).min(BACKOFF_CAP);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} vs {full:?}"
            );
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(2)), &mut rng),
            Duration::from_secs(2)
        );
    }
}
