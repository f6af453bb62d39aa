//! A tenant's own settings (`GET/PATCH /v1/tenants/{tenant}/settings`): its delivery budgets,
//! its publish rate and how long its records are kept. Each is `None` until the operator sets
//! it, and then the deployment's default (`Config`) applies; `effective` says what holds.
//! A process keeps each tenant's settings for `CACHE_TTL` (the publish path reads them on
//! every event), so in AWS a change reaches every function within that time; the process that
//! made the change sees it at once.

use crate::config::Config;
use crate::domain::TenantId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::config::{DEFAULT_RETENTION_DAYS, RETENTION_DAYS};
/// The bounds of a tenant's own numbers: generous, but each far below what would overflow a
/// window's counter (`quota`) or mean anything but "no limit".
pub const DELIVERIES_PER_SECOND: RangeInclusive<u32> = 1..=100_000;
pub const MAX_IN_FLIGHT: RangeInclusive<u32> = 1..=10_000;
pub const EVENTS_PER_SECOND: RangeInclusive<u32> = 1..=100_000;

/// How long a process trusts the settings it read.
pub const CACHE_TTL: Duration = Duration::from_secs(10);

/// A tenant's settings as stored: `None` is the deployment's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    pub deliveries_per_second: Option<u32>,
    pub max_in_flight: Option<u32>,
    pub events_per_second: Option<u32>,
    pub retention_days: Option<u16>,
}

/// What holds for a tenant: its own value, else the deployment's. For the three budgets 0
/// means no limit (only a deployment default can be 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    pub deliveries_per_second: u32,
    pub max_in_flight: u32,
    pub events_per_second: u32,
    pub retention_days: u16,
}

/// A JSON merge patch of the settings, field by field: `None` leaves the field as it is,
/// `Some(None)` resets it to the default, `Some(Some(n))` sets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub deliveries_per_second: Option<Option<u32>>,
    pub max_in_flight: Option<Option<u32>>,
    pub events_per_second: Option<Option<u32>>,
    pub retention_days: Option<Option<u16>>,
}

impl TenantSettings {
    pub fn effective(&self, config: &Config) -> Effective {
        Effective {
            deliveries_per_second: self
                .deliveries_per_second
                .unwrap_or(config.tenant_deliveries_per_second),
            max_in_flight: self.max_in_flight.unwrap_or(config.tenant_max_in_flight),
            events_per_second: self
                .events_per_second
                .unwrap_or(config.tenant_events_per_second),
            retention_days: self.retention_days.unwrap_or(config.retention_days),
        }
    }

    /// These settings with `patch` applied.
    pub fn patched(&self, patch: &SettingsPatch) -> Self {
        Self {
            deliveries_per_second: patch
                .deliveries_per_second
                .unwrap_or(self.deliveries_per_second),
            max_in_flight: patch.max_in_flight.unwrap_or(self.max_in_flight),
            events_per_second: patch.events_per_second.unwrap_or(self.events_per_second),
            retention_days: patch.retention_days.unwrap_or(self.retention_days),
        }
    }
}

impl SettingsPatch {
    /// Whether it changes nothing (`{}`).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Each tenant's settings as this process last read them, for `CACHE_TTL`.
#[derive(Default)]
pub struct SettingsCache {
    read: Mutex<HashMap<TenantId, (Instant, TenantSettings)>>,
}

/// Past this many tenants, the stale entries are dropped when one is added.
const CACHE_PRUNE_AT: usize = 10_000;

impl SettingsCache {
    /// The tenant's settings, if read less than `CACHE_TTL` ago.
    pub fn fresh(&self, tenant: &TenantId) -> Option<TenantSettings> {
        self.lock()
            .get(tenant)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, settings)| *settings)
    }

    /// Notes the settings just read or written.
    pub fn remember(&self, tenant: &TenantId, settings: TenantSettings) {
        let mut read = self.lock();
        if read.len() >= CACHE_PRUNE_AT {
            read.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        read.insert(tenant.clone(), (Instant::now(), settings));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, (Instant, TenantSettings)>> {
        // Each change is one insert or retain: a panic elsewhere leaves the map whole.
        self.read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            tenant_deliveries_per_second: 500,
            tenant_max_in_flight: 0,
            tenant_events_per_second: 100,
            ..Config::default()
        }
    }

    #[test]
    fn unset_fields_take_the_deployments_defaults() {
        assert_eq!(
            TenantSettings::default().effective(&config()),
            Effective {
                deliveries_per_second: 500,
                max_in_flight: 0,
                events_per_second: 100,
                retention_days: 30,
            }
        );
        let own = TenantSettings {
            max_in_flight: Some(4),
            retention_days: Some(7),
            ..TenantSettings::default()
        };
        let effective = own.effective(&config());
        assert_eq!((effective.max_in_flight, effective.retention_days), (4, 7));
        assert_eq!(effective.deliveries_per_second, 500);
    }

    #[test]
    fn a_patch_sets_resets_and_leaves_fields() {
        let stored = TenantSettings {
            deliveries_per_second: Some(10),
            events_per_second: Some(5),
            ..TenantSettings::default()
        };
        let patch = SettingsPatch {
            deliveries_per_second: Some(None),
            max_in_flight: Some(Some(3)),
            ..SettingsPatch::default()
        };
        assert_eq!(
            stored.patched(&patch),
            TenantSettings {
                deliveries_per_second: None,
                max_in_flight: Some(3),
                events_per_second: Some(5),
                retention_days: None,
            }
        );
        assert!(SettingsPatch::default().is_empty() && !patch.is_empty());
    }

    #[test]
    fn the_cache_answers_what_it_was_told() {
        let cache = SettingsCache::default();
        let tenant = TenantId::parse("acme").unwrap();
        assert_eq!(cache.fresh(&tenant), None);
        let settings = TenantSettings {
            events_per_second: Some(1),
            ..TenantSettings::default()
        };
        cache.remember(&tenant, settings);
        assert_eq!(cache.fresh(&tenant), Some(settings));
    }
}
