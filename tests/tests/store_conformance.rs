//! Both store adapters pass the same suite: memory directly, DynamoDB over the wire (moto).

use hookline::seal::Keyring;
use hookline::store::memory::{
    MemoryCatalogStore, MemoryKeyStore, MemoryTenantSettingsStore, MemoryWebhookStore,
};
use hookline_tests::conformance::{self, Isolation};
use hookline_tests::dynamo_store;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_webhook_store_conforms() {
    let keyring = Keyring::without_key();
    conformance::webhook_store(
        Arc::new(MemoryWebhookStore::default()),
        Arc::new(keyring),
        Isolation::Serializable,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_webhook_store_conforms() {
    let store = dynamo_store().await;
    let keyring = store.keyring().clone();
    conformance::webhook_store(Arc::new(store), keyring, Isolation::EmulatorWithoutLocks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_catalog_store_conforms() {
    conformance::catalog_store(Arc::new(MemoryCatalogStore::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_catalog_store_conforms() {
    conformance::catalog_store(Arc::new(dynamo_store().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_key_store_conforms() {
    conformance::key_store(Arc::new(MemoryKeyStore::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_key_store_conforms() {
    conformance::key_store(Arc::new(dynamo_store().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_delivery_stores_conform() {
    let store = Arc::new(hookline::store::MemoryDeliveryStore::default());
    conformance::event_store(store.clone()).await;
    conformance::sweep_store(store.clone()).await;
    conformance::execution_store(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_delivery_stores_conform() {
    let store = Arc::new(dynamo_store().await);
    conformance::event_store(store.clone()).await;
    conformance::sweep_store(store.clone()).await;
    conformance::execution_store(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_deliveries_race_publishes() {
    conformance::deliveries_race_publishes(
        Arc::new(MemoryWebhookStore::default()),
        Arc::new(hookline::store::MemoryDeliveryStore::default()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_deliveries_race_publishes() {
    let store = Arc::new(dynamo_store().await);
    conformance::deliveries_race_publishes(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_tenant_settings_store_conforms() {
    conformance::tenant_settings_store(Arc::new(MemoryTenantSettingsStore::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_tenant_settings_store_conforms() {
    conformance::tenant_settings_store(Arc::new(dynamo_store().await)).await;
}
