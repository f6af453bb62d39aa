//! The decision after an attempt, in one pure function: what came of the attempt, the webhook
//! as it was read, the schedule and the clock go in; whether the delivery is done, retried or
//! given up, and what changes on the webhook, come out. The worker only does the I/O around it.

use crate::domain::{
    AttemptOutcome, Disable, HealthChange, RetrySchedule, Timestamp, Trigger, Webhook,
};
use std::time::Duration;

/// A success within this long of the last recorded one changes nothing a reader could use,
/// so it is not written: `last_success_at` is kept to the minute, and a healthy webhook
/// costs no write per delivery.
pub const SUCCESS_COALESCING: Duration = Duration::from_secs(60);

/// What happens to the delivery.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    Delivered,
    /// Failed; attempt again after this delay.
    RetryIn(Duration),
    /// Failed for good: the schedule is exhausted, the attempt was a manual one, or the
    /// webhook is (now) disabled.
    GiveUp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub next: Next,
    /// What to write on the webhook; `None` when nothing visible changes.
    pub health: Option<HealthChange>,
}

impl Verdict {
    /// When the next attempt is due, if there is one.
    pub fn next_attempt_at(&self, now: Timestamp) -> Option<Timestamp> {
        match self.next {
            Next::RetryIn(delay) => Some(now.plus(delay)),
            Next::Delivered | Next::GiveUp => None,
        }
    }
}

/// The deployment's delivery rules.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    pub schedule: &'a RetrySchedule,
    /// Failing this long with no success disables a webhook.
    pub disable_after: Duration,
}

/// Decides after attempt number `attempt` (1-based) of a delivery to `webhook` (as read
/// before the attempt). `jitter` is drawn uniformly from [-1, 1] by the caller.
pub fn decide(
    outcome: &AttemptOutcome,
    webhook: &Webhook,
    attempt: u32,
    trigger: Trigger,
    rules: Rules<'_>,
    now: Timestamp,
    jitter: f64,
) -> Verdict {
    if outcome.succeeded() {
        let recent = webhook
            .last_success_at
            .is_some_and(|at| now.millis() - at.millis() < millis(SUCCESS_COALESCING));
        let healthy = webhook.consecutive_failures == 0 && webhook.failing_since.is_none();
        return Verdict {
            next: Next::Delivered,
            health: (!(recent && healthy)).then_some(HealthChange::Succeeded { at: now }),
        };
    }
    let failing_since = webhook.failing_since.unwrap_or(now);
    let disable = if !webhook.active {
        None
    } else if outcome.gone() {
        Some("the endpoint answered 410 Gone".to_owned())
    } else if now.millis() - failing_since.millis() >= millis(rules.disable_after) {
        Some(format!(
            "failing with no success since {failing_since} ({} attempts)",
            webhook.consecutive_failures.saturating_add(1)
        ))
    } else {
        None
    };
    // An attempt that could send nothing counts as a failure (towards disabling too), but is
    // not retried: each retry would fail the same way.
    let retry =
        trigger == Trigger::Event && webhook.active && disable.is_none() && !outcome.unsendable;
    let next = match retry
        .then(|| {
            rules
                .schedule
                .next_delay(attempt, outcome.retry_after, jitter)
        })
        .flatten()
    {
        Some(delay) => Next::RetryIn(delay),
        None => Next::GiveUp,
    };
    Verdict {
        next,
        health: Some(HealthChange::Failed {
            at: now,
            content: outcome.failure_summary(),
            disable: disable.map(|reason| Disable {
                reason,
                version: webhook.version,
            }),
        }),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventTypePattern, EventTypes, TenantId, WebhookSecret, WebhookSpec};
    use crate::url_guard::{UrlPolicy, WebhookUrl};

    const T0: i64 = 1_800_000_000_000;
    const DAY: i64 = 86_400_000;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(millis).unwrap()
    }

    fn webhook() -> Webhook {
        let spec = WebhookSpec {
            uid: None,
            url: WebhookUrl::parse("https://a.example/h", &UrlPolicy::STRICT).unwrap(),
            event_types: EventTypes::new(vec![EventTypePattern::parse("*").unwrap()]).unwrap(),
            filters: vec![],
            description: None,
            active: true,
            headers: Default::default(),
            metadata: Default::default(),
            verification: crate::domain::Verification::Ping,
        };
        Webhook::new(
            TenantId::parse("t").unwrap(),
            spec,
            WebhookSecret::generate(),
        )
    }

    fn answer(status: u16) -> AttemptOutcome {
        AttemptOutcome {
            status: Some(status),
            body: None,
            error: None,
            duration_ms: 3,
            retry_after: None,
            unsendable: false,
        }
    }

    /// The state of the webhook before the attempt.
    #[derive(Clone, Copy)]
    struct Before {
        active: bool,
        failures: u32,
        failing_since: Option<i64>,
        last_success: Option<i64>,
    }

    const HEALTHY: Before = Before {
        active: true,
        failures: 0,
        failing_since: None,
        last_success: None,
    };

    fn decide_at(
        before: Before,
        outcome: &AttemptOutcome,
        attempt: u32,
        trigger: Trigger,
        now: i64,
    ) -> Verdict {
        let mut w = webhook();
        w.active = before.active;
        w.consecutive_failures = before.failures;
        w.failing_since = before.failing_since.map(at);
        w.last_success_at = before.last_success.map(at);
        let schedule = RetrySchedule::parse("5s,5m").unwrap();
        let rules = Rules {
            schedule: &schedule,
            disable_after: Duration::from_millis(DAY as u64),
        };
        decide(outcome, &w, attempt, trigger, rules, at(now), 0.0)
    }

    #[derive(Debug, PartialEq)]
    enum Health {
        Unchanged,
        Success,
        Failure,
        Disabled,
    }

    fn health(v: &Verdict) -> Health {
        match &v.health {
            None => Health::Unchanged,
            Some(HealthChange::Succeeded { .. }) => Health::Success,
            Some(HealthChange::Failed { disable: None, .. }) => Health::Failure,
            Some(HealthChange::Failed {
                disable: Some(_), ..
            }) => Health::Disabled,
        }
    }

    #[test]
    fn every_case_of_the_decision() {
        let secs = Duration::from_secs;
        let recent = Before {
            last_success: Some(T0 - 1_000),
            ..HEALTHY
        };
        let stale = Before {
            last_success: Some(T0 - 61_000),
            ..HEALTHY
        };
        let failing = Before {
            failures: 3,
            failing_since: Some(T0 - 1_000),
            ..HEALTHY
        };
        let failing_long = Before {
            failures: 9,
            failing_since: Some(T0 - DAY),
            ..HEALTHY
        };
        let inactive = Before {
            active: false,
            ..HEALTHY
        };
        let throttled = AttemptOutcome {
            retry_after: Some(secs(60)),
            ..answer(429)
        };
        let refused = AttemptOutcome::failed("connection refused".into(), 1);
        let unsendable = AttemptOutcome::unsendable("credentials cannot be read".into());
        use Trigger::{Event, Retry};
        #[rustfmt::skip]
        let cases: &[(&str, Before, &AttemptOutcome, u32, Trigger, Next, Health)] = &[
            ("first success is written",             HEALTHY,      &answer(200), 1, Event, Next::Delivered, Health::Success),
            ("success within a minute is coalesced", recent,       &answer(204), 1, Event, Next::Delivered, Health::Unchanged),
            ("success after a minute is written",    stale,        &answer(200), 1, Event, Next::Delivered, Health::Success),
            ("success after failures clears them",   failing,      &answer(200), 2, Event, Next::Delivered, Health::Success),
            ("500 retries on the schedule",          HEALTHY,      &answer(500), 1, Event, Next::RetryIn(secs(5)), Health::Failure),
            ("no answer retries too",                HEALTHY,      &refused,     2, Event, Next::RetryIn(secs(300)), Health::Failure),
            ("an unsendable attempt is not retried", HEALTHY,      &unsendable,  1, Event, Next::GiveUp, Health::Failure),
            ("and disables after the period too",    failing_long, &unsendable,  1, Event, Next::GiveUp, Health::Disabled),
            ("Retry-After raises the delay",         HEALTHY,      &throttled,   1, Event, Next::RetryIn(secs(60)), Health::Failure),
            ("the last attempt gives up",            HEALTHY,      &answer(500), 3, Event, Next::GiveUp, Health::Failure),
            ("a manual retry is one attempt",        HEALTHY,      &answer(500), 1, Retry, Next::GiveUp, Health::Failure),
            ("410 disables at once",                 HEALTHY,      &answer(410), 1, Event, Next::GiveUp, Health::Disabled),
            ("failing for the period disables",      failing_long, &answer(503), 2, Event, Next::GiveUp, Health::Disabled),
            ("failing a while does not",             failing,      &answer(503), 2, Event, Next::RetryIn(secs(300)), Health::Failure),
            ("an inactive webhook is not retried",   inactive,     &answer(500), 1, Event, Next::GiveUp, Health::Failure),
            ("nor disabled again",                   inactive,     &answer(410), 1, Event, Next::GiveUp, Health::Failure),
        ];
        for (name, before, outcome, attempt, trigger, next, change) in cases {
            let verdict = decide_at(*before, outcome, *attempt, *trigger, T0);
            assert_eq!(verdict.next, *next, "{name}");
            assert_eq!(health(&verdict), *change, "{name}");
        }
    }

    #[test]
    fn the_disable_reason_counts_this_attempt() {
        let before = Before {
            failures: 9,
            failing_since: Some(T0 - DAY),
            ..HEALTHY
        };
        let verdict = decide_at(before, &answer(500), 2, Trigger::Event, T0);
        let Some(HealthChange::Failed {
            disable: Some(reason),
            content,
            ..
        }) = verdict.health
        else {
            panic!("not disabled: {verdict:?}");
        };
        assert!(reason.reason.contains("(10 attempts)"), "{}", reason.reason);
        assert_eq!(content, "HTTP 500");
    }

    #[test]
    fn the_next_attempt_is_due_after_the_delay() {
        let verdict = decide_at(HEALTHY, &answer(500), 1, Trigger::Event, T0);
        assert_eq!(verdict.next_attempt_at(at(T0)), Some(at(T0 + 5_000)));
        let done = decide_at(HEALTHY, &answer(200), 1, Trigger::Event, T0);
        assert_eq!(done.next_attempt_at(at(T0)), None);
    }
}
