//! Pure domain types: ids, names, secrets, filters and the webhook itself. No AWS, no HTTP.

mod api_key;
mod attempt;
mod catalog;
mod credentials;
mod event;
mod event_data;
mod event_type;
mod execution;
mod filter;
mod headers;
mod ids;
mod retry;
mod scope;
mod secret;
mod tenant;
mod time;
mod uid;
mod webhook;

pub use api_key::{ApiKey, ApiKeyRecord, KeyHash, KeyOwner};
pub use attempt::AttemptOutcome;
pub use catalog::{CatalogEntry, CatalogMode, MAX_CATALOG_DESCRIPTION_LEN};
pub use credentials::{Credentials, Sealed, Secrets};
pub use event::{Delivery, DeliveryStatus, Ended, EndedDelivery, Event, ListedEvent};
pub use event_data::EventData;
pub use event_type::{EventType, EventTypePattern, EventTypes};
pub use execution::{DeliveryAttempt, Execution, RequestStatus, Trigger};
pub use filter::{AnyOf, Filter, FilterValue, Found, MAX_ANY_OF, MAX_FILTERS, Scalar};
pub use headers::{CustomHeaders, is_reserved as is_reserved_header};
pub use ids::{ApiKeyId, EventId, ExecutionId, WebhookId};
pub use retry::{DEFAULT_SCHEDULE, RetrySchedule};
pub use scope::{Scope, Scopes};
pub use secret::WebhookSecret;
pub use tenant::TenantId;
pub use time::{TimeRange, Timestamp};
pub use uid::WebhookUid;
pub use webhook::{Disable, HealthChange, Metadata, Verification, Webhook, WebhookSpec, uid_key};

/// Length and count limits of a webhook's fields.
pub mod webhook_limits {
    pub use super::webhook::{
        MAX_DESCRIPTION_LEN, MAX_METADATA_ENTRIES, MAX_METADATA_KEY_LEN, MAX_METADATA_VALUE_LEN,
        MAX_WEBHOOK_FIELDS_BYTES,
    };
}

/// One problem with one field of a request, as the API reports it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
