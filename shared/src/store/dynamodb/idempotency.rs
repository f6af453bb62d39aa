//! Idempotency keys: one item per tenant and key (by its SHA-256), naming the key's event
//! from the first claim on, so that a publish sent again after the first one died resumes
//! that event instead of making another.

use super::{DynamoStore, Item, TTL_ATTRIBUTE, key, n, s, written};
use crate::domain::{EventId, TenantId, Timestamp, WebhookId};
use crate::store::{Claim, KeyHold, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use sha2::{Digest, Sha256};

const SK: &str = "IDEM";
/// The event the key names.
const EVENT: &str = "event";
/// Unix milliseconds until which a running publish holds the key.
const HELD: &str = "held";
/// The deliveries a publish that handed the key back did not queue.
const UNSENT: &str = "unsent";
/// The finished publish's answer.
const RESPONSE: &str = "response";

fn pk(tenant: &TenantId, key: &str) -> String {
    format!(
        "T#{tenant}#IDEM#{}",
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

/// Until when the key is held, in unix milliseconds: `HELD`, or, on items written before
/// it existed, their expiry.
fn held_millis(item: &Item) -> i64 {
    let number = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
    };
    number(HELD)
        .or_else(|| number(TTL_ATTRIBUTE).map(|secs| secs.saturating_mul(1000)))
        .unwrap_or(0)
}

fn unsent_of(item: &Item) -> Option<Vec<WebhookId>> {
    let list = item.get(UNSENT)?.as_l().ok()?;
    Some(
        list.iter()
            .filter_map(|v| v.as_s().ok())
            .filter_map(|id| WebhookId::parse(id))
            .collect(),
    )
}

impl DynamoStore {
    pub(super) async fn claim_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        hold: KeyHold,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let mut item = key(pk(tenant, key_text), SK.into());
        item.insert(EVENT.into(), s(hold.event.to_string()));
        item.insert(HELD.into(), n(hold.until.millis()));
        item.insert(TTL_ATTRIBUTE.into(), n(hold.expires_at.unix_seconds()));
        // A key whose item expired (and waits for TTL to delete it) is free.
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #exp <= :now")
            .expression_attribute_names("#exp", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now.unix_seconds()))
            .send()
            .await;
        if written(put)? {
            Ok(Claim::Claimed)
        } else {
            self.resume_key(tenant, key_text, hold, now).await
        }
    }

    /// The key exists: its answer, in flight, or taken over when its hold lapsed with no
    /// answer. The take-over is conditional on the hold read, so two callers cannot both
    /// take it.
    async fn resume_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        hold: KeyHold,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let Some(found) = self.get_doc(pk(tenant, key_text), SK.into()).await? else {
            // Gone between the two requests: the caller may try again at once.
            return Ok(Claim::InFlight);
        };
        if let Some(answer) = found.get(RESPONSE).and_then(|v| v.as_s().ok()) {
            return Ok(Claim::Answered(answer.clone()));
        }
        let held = held_millis(&found);
        if held > now.millis() {
            return Ok(Claim::InFlight);
        }
        let unchanged = if found.contains_key(HELD) {
            "#held = :held"
        } else {
            "attribute_not_exists(#held)"
        };
        let taken = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk(tenant, key_text), SK.into())))
            .update_expression("SET #held = :until, #event = if_not_exists(#event, :event)")
            .condition_expression(format!("attribute_not_exists(#resp) AND {unchanged}"))
            .expression_attribute_names("#held", HELD)
            .expression_attribute_names("#event", EVENT)
            .expression_attribute_names("#resp", RESPONSE)
            .set_expression_attribute_values(Some(
                [
                    (":until".to_owned(), n(hold.until.millis())),
                    (":event".to_owned(), s(hold.event.to_string())),
                ]
                .into_iter()
                .chain(
                    found
                        .contains_key(HELD)
                        .then(|| (":held".to_owned(), n(held))),
                )
                .collect(),
            ))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match taken {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                let event = item
                    .get(EVENT)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|id| EventId::parse(id))
                    .unwrap_or(hold.event);
                Ok(Claim::Resumed {
                    event,
                    unsent: unsent_of(&item),
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Claim::InFlight)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    pub(super) async fn complete_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut item = key(pk(tenant, key_text), SK.into());
        item.insert(RESPONSE.into(), s(response));
        item.insert(TTL_ATTRIBUTE.into(), n(expires_at.unix_seconds()));
        self.put_plain(item).await
    }

    pub(super) async fn hand_back_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        unsent: &[WebhookId],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let unsent = unsent.iter().map(|w| s(w.to_string())).collect();
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk(tenant, key_text), SK.into())))
            .update_expression("SET #held = :now, #unsent = :unsent")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#resp)")
            .expression_attribute_names("#held", HELD)
            .expression_attribute_names("#unsent", UNSENT)
            .expression_attribute_names("#resp", RESPONSE)
            .expression_attribute_values(":now", n(now.millis()))
            .expression_attribute_values(":unsent", AttributeValue::L(unsent))
            .send()
            .await;
        // Not written: answered or gone meanwhile, nothing to hand back.
        written(update)?;
        Ok(())
    }
}
