//! Webhook items, with the uniqueness and count items that guard them.

use super::{
    DynamoStore, Item, TransactFailure, key, n, s, tenant_pk, tx_delete, tx_put, tx_update, written,
};
use crate::domain::{Credentials, HealthChange, TenantId, Webhook, WebhookId, WebhookUid, uid_key};
use crate::store::{StoreError, WebhookQuota, WebhookStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Update};

fn webhook_sk(id: &WebhookId) -> String {
    format!("WH#{id}")
}

fn conflict_sk(key: &str) -> String {
    format!("WHKEY#{key}")
}

/// The tenant's webhook count, for the cap, and its routing version (`v`), moved by every
/// change to which webhooks an event goes to.
const COUNT_SK: &str = "WHCOUNT";
const ROUTING_VERSION: &str = "v";

/// The tenant's count of unverified webhooks, for their quota: an item of its own, so that a
/// refused transaction names which limit refused it.
const UNVERIFIED_SK: &str = "WHUNVERIFIED";

/// How a write moves the unverified count: +1 when the webhook becomes unverified, -1 when
/// it stops being (verified or deleted), 0 otherwise.
fn unverified_change(before: bool, after: bool) -> i64 {
    i64::from(after) - i64::from(before)
}

/// With `max`, the counter `#n` may only grow while below it.
fn below(update: UpdateBuilder, max: Option<u32>) -> UpdateBuilder {
    match max {
        Some(max) => update
            .condition_expression("attribute_not_exists(#n) OR #n < :max")
            .expression_attribute_values(":max", n(max)),
        None => update,
    }
}

/// Where items written before secrets were sealed keep them, in the clear: read into
/// `credentials`, and removed by the item's next write.
const OPEN_CREDENTIALS: [&str; 3] = ["secret", "previous_secret", "headers"];
const CREDENTIALS: &str = "credentials";

/// A webhook from its item; an item written before sealing has its secrets in the clear.
fn webhook_from(mut item: Item) -> Result<Webhook, StoreError> {
    if !item.contains_key(CREDENTIALS) {
        let open: Item = OPEN_CREDENTIALS
            .iter()
            .filter_map(|name| item.remove(*name).map(|value| ((*name).to_owned(), value)))
            .filter(|(_, value)| !value.is_null())
            .collect();
        let tagged = Item::from([("open".to_owned(), AttributeValue::M(open))]);
        item.insert(CREDENTIALS.into(), AttributeValue::M(tagged));
    }
    serde_dynamo::from_item(item).map_err(StoreError::backend)
}

impl DynamoStore {
    /// The webhook's item as it is written: its credentials sealed.
    async fn webhook_item(&self, webhook: &Webhook) -> Result<Item, StoreError> {
        let sealed = self
            .keyring
            .seal(webhook)
            .await
            .map_err(StoreError::backend)?;
        let stored = Webhook {
            credentials: Credentials::Sealed(sealed),
            ..webhook.clone()
        };
        Self::stored_item(&stored)
    }

    /// The item of a webhook as read. An empty field is left out rather than stored as NULL,
    /// so that `if_not_exists` sees it as absent. Open credentials were read from the
    /// attributes an item kept before sealing: they are named here so that a write removes
    /// them.
    fn stored_item(webhook: &Webhook) -> Result<Item, StoreError> {
        let mut item: Item = serde_dynamo::to_item(webhook).map_err(StoreError::backend)?;
        item.retain(|_, value| !value.is_null());
        if let Credentials::Open(_) = webhook.credentials {
            item.remove(CREDENTIALS);
            for name in OPEN_CREDENTIALS {
                item.insert(name.into(), AttributeValue::Null(true));
            }
        }
        item.insert("pk".into(), s(tenant_pk(&webhook.tenant)));
        item.insert("sk".into(), s(webhook_sk(&webhook.id)));
        Ok(item)
    }

    /// The item claiming one of the webhook's unique keys (conflict key, uid) in its tenant.
    fn unique_item(&self, webhook: &Webhook, unique: &str) -> Item {
        let mut item = key(tenant_pk(&webhook.tenant), conflict_sk(unique));
        item.insert("webhook_id".into(), s(webhook.id.to_string()));
        item
    }

    /// Adds `by` to the tenant's webhook count (with `max`, only while the count is below
    /// it), and moves its routing version.
    fn count_update(
        &self,
        tenant: &TenantId,
        by: i64,
        max: Option<u32>,
    ) -> Result<Update, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), COUNT_SK.into())))
            .update_expression("ADD #n :by, #v :one")
            .expression_attribute_names("#n", "n")
            .expression_attribute_names("#v", ROUTING_VERSION)
            .expression_attribute_values(":by", n(by))
            .expression_attribute_values(":one", n(1));
        below(update, max).build().map_err(StoreError::backend)
    }

    /// Adds `by` to the tenant's count of unverified webhooks; a rise only while the count
    /// is below `max` (when given). Written in the transaction of the webhook it counts.
    fn unverified_update(
        &self,
        tenant: &TenantId,
        by: i64,
        max: Option<u32>,
    ) -> Result<Update, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), UNVERIFIED_SK.into())))
            .update_expression("ADD #n :by")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":by", n(by));
        let max = if by > 0 { max } else { None };
        below(update, max).build().map_err(StoreError::backend)
    }

    /// The write from `previous`'s item to `next`'s: SET what differs, REMOVE what `next`
    /// left empty, nothing else, on the condition that `previous`'s version is still stored.
    async fn edit(&self, previous: &Webhook, next: &Webhook) -> Result<Update, StoreError> {
        let (before, after) = (Self::stored_item(previous)?, self.webhook_item(next).await?);
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(&next.tenant), webhook_sk(&next.id))))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", n(previous.version));
        let mut set = Vec::new();
        for (i, (name, value)) in after.iter().enumerate() {
            if before.get(name) != Some(value) {
                set.push(format!("#s{i} = :s{i}"));
                update = update
                    .expression_attribute_names(format!("#s{i}"), name)
                    .expression_attribute_values(format!(":s{i}"), value.clone());
            }
        }
        let mut remove = Vec::new();
        for (i, name) in before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .enumerate()
        {
            remove.push(format!("#r{i}"));
            update = update.expression_attribute_names(format!("#r{i}"), name);
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        update
            .update_expression(expression)
            .build()
            .map_err(StoreError::backend)
    }

    /// One `UpdateItem` of health attributes; `false` when its condition failed.
    async fn health_update(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        expression: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), webhook_sk(id))))
            .update_expression(expression)
            .condition_expression(condition);
        for name in [
            "active",
            "failed",
            "disabled_reason",
            "last_success_at",
            "last_failure_at",
            "last_failure_content",
            "consecutive_failures",
            "failing_since",
            "version",
        ] {
            if expression.contains(&format!("#{name}")) || condition.contains(&format!("#{name}")) {
                update = update.expression_attribute_names(format!("#{name}"), name);
            }
        }
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        written(update.send().await)
    }
}

impl DynamoStore {
    /// One attribute of one item, read consistently (and only that attribute).
    async fn attribute_of(
        &self,
        item: Item,
        name: &str,
    ) -> Result<Option<AttributeValue>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item))
            .projection_expression("#a")
            .expression_attribute_names("#a", name)
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(found.item.and_then(|mut i| i.remove(name)))
    }

    async fn bump_routing_version(&self, tenant: &TenantId) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), COUNT_SK.into())))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", ROUTING_VERSION)
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }
}

fn attribute(value: &impl serde::Serialize) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(StoreError::backend)
}

#[async_trait]
impl WebhookStore for DynamoStore {
    async fn insert(&self, webhook: &Webhook, quota: WebhookQuota) -> Result<(), StoreError> {
        const NEW: Option<&str> = Some("attribute_not_exists(pk)");
        let keys = webhook.unique_keys();
        let tenant = &webhook.tenant;
        let mut items = vec![tx_put(self.put(self.webhook_item(webhook).await?, NEW)?)];
        for unique in &keys {
            items.push(tx_put(self.put(self.unique_item(webhook, unique), NEW)?));
        }
        let count = items.len();
        items.push(tx_update(self.count_update(
            tenant,
            1,
            Some(quota.webhooks),
        )?));
        if webhook.unverified {
            items.push(tx_update(self.unverified_update(
                tenant,
                1,
                quota.unverified,
            )?));
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(0)) => Err(StoreError::backend("webhook id collision")),
            Err(TransactFailure::Condition(i)) if i < count => Err(StoreError::Conflict),
            Err(TransactFailure::Condition(i)) if i == count => Err(StoreError::LimitReached),
            Err(TransactFailure::Condition(_)) => Err(StoreError::UnverifiedLimitReached),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), webhook_sk(id))))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        found.item.map(webhook_from).transpose()
    }

    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&WebhookId>,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError> {
        // Ids have one fixed length, so "WH#<after>~" sorts after `after` and before every
        // later id; "WH#~" after every id.
        let lo = after.map_or_else(|| "WH#".to_owned(), |a| format!("WH#{a}~"));
        let items = self
            .query_all(&tenant_pk(tenant), &lo, "WH#~", limit)
            .await?;
        items.into_iter().map(webhook_from).collect()
    }

    async fn update(
        &self,
        previous: &Webhook,
        next: &Webhook,
        unverified: Option<u32>,
    ) -> Result<(), StoreError> {
        let mut items = vec![tx_update(self.edit(previous, next).await?)];
        let (old_keys, new_keys) = (previous.unique_keys(), next.unique_keys());
        for gone in old_keys.iter().filter(|k| !new_keys.contains(k)) {
            let old = key(tenant_pk(&previous.tenant), conflict_sk(gone));
            items.push(tx_delete(self.delete_item(old)?));
        }
        for claimed in new_keys.iter().filter(|k| !old_keys.contains(k)) {
            items.push(tx_put(self.put(
                self.unique_item(next, claimed),
                Some("attribute_not_exists(pk)"),
            )?));
        }
        items.push(tx_update(self.count_update(&next.tenant, 0, None)?));
        let counted = items.len();
        let by = unverified_change(previous.unverified, next.unverified);
        if by != 0 {
            items.push(tx_update(self.unverified_update(
                &next.tenant,
                by,
                unverified,
            )?));
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(0)) => Err(StoreError::Stale),
            Err(TransactFailure::Condition(i)) if i == counted => {
                Err(StoreError::UnverifiedLimitReached)
            }
            Err(TransactFailure::Condition(_)) => Err(StoreError::Conflict),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }

    async fn find_uid(
        &self,
        tenant: &TenantId,
        uid: &WebhookUid,
    ) -> Result<Option<WebhookId>, StoreError> {
        let item = key(tenant_pk(tenant), conflict_sk(&uid_key(uid)));
        let id = self.attribute_of(item, "webhook_id").await?;
        Ok(id
            .as_ref()
            .and_then(|v| v.as_s().ok())
            .and_then(|v| WebhookId::parse(v)))
    }

    async fn routing_version(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let item = key(tenant_pk(tenant), COUNT_SK.into());
        let version = self.attribute_of(item, ROUTING_VERSION).await?;
        Ok(version
            .as_ref()
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    async fn record_health(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        change: &HealthChange,
    ) -> Result<bool, StoreError> {
        const EXISTS: &str = "attribute_exists(pk)";
        match change {
            HealthChange::Succeeded { at } => {
                self.health_update(
                    tenant,
                    id,
                    "SET #last_success_at = :at, #consecutive_failures = :zero REMOVE #failing_since",
                    EXISTS,
                    vec![(":at", attribute(at)?), (":zero", n(0))],
                )
                .await
            }
            HealthChange::Failed {
                at,
                content,
                disable,
            } => {
                let values = || -> Result<Vec<(&str, AttributeValue)>, StoreError> {
                    Ok(vec![
                        (":at", attribute(at)?),
                        (":content", s(content.as_str())),
                        (":one", n(1)),
                    ])
                };
                let failed = "SET #last_failure_at = :at, #last_failure_content = :content, \
                              #failing_since = if_not_exists(#failing_since, :at)";
                if let Some(disable) = disable {
                    // Only an active webhook is disabled, and the version moves with it.
                    let mut with_reason = values()?;
                    with_reason.extend([
                        (":yes", AttributeValue::Bool(true)),
                        (":no", AttributeValue::Bool(false)),
                        (":reason", s(disable.reason.as_str())),
                        (":read", n(disable.version)),
                    ]);
                    let expression = format!(
                        "{failed}, #active = :no, #failed = :yes, #disabled_reason = :reason \
                         ADD #consecutive_failures :one, #version :one"
                    );
                    // Rare: a disabled webhook no longer receives events. The routing
                    // version moves before (a fault between the writes cannot leave it
                    // unmoved) and after (routes read in between are read again).
                    self.bump_routing_version(tenant).await?;
                    let condition = "#active = :yes AND #version = :read";
                    if self
                        .health_update(tenant, id, &expression, condition, with_reason)
                        .await?
                    {
                        self.bump_routing_version(tenant).await?;
                        return Ok(true);
                    }
                }
                let expression = format!("{failed} ADD #consecutive_failures :one");
                self.health_update(tenant, id, &expression, EXISTS, values()?)
                    .await
            }
        }
    }

    async fn delete(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let remove = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(
                tenant_pk(&webhook.tenant),
                webhook_sk(&webhook.id),
            )))
            .condition_expression("#v = :v")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", n(webhook.version))
            .build()
            .map_err(StoreError::backend)?;
        let mut items = vec![tx_delete(remove)];
        for unique in webhook.unique_keys() {
            let claim = key(tenant_pk(&webhook.tenant), conflict_sk(&unique));
            items.push(tx_delete(self.delete_item(claim)?));
        }
        items.push(tx_update(self.count_update(&webhook.tenant, -1, None)?));
        if webhook.unverified {
            items.push(tx_update(self.unverified_update(
                &webhook.tenant,
                -1,
                None,
            )?));
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(_)) => Err(StoreError::Stale),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }
}
