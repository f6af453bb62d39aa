"""Contains all the data models used in inputs/outputs"""

from .catalog_event_type import CatalogEventType
from .catalog_event_type_example_type_0 import CatalogEventTypeExampleType0
from .catalog_event_type_page import CatalogEventTypePage
from .catalog_event_type_schema_type_0 import CatalogEventTypeSchemaType0
from .created_tenant_key import CreatedTenantKey
from .delivery_exhausted_data import DeliveryExhaustedData
from .effective_tenant_settings import EffectiveTenantSettings
from .event_data import EventData
from .event_type_create import EventTypeCreate
from .event_type_create_example import EventTypeCreateExample
from .event_type_create_schema_type_0 import EventTypeCreateSchemaType0
from .event_type_patch import EventTypePatch
from .event_type_patch_example_type_0 import EventTypePatchExampleType0
from .event_type_patch_schema_type_0 import EventTypePatchSchemaType0
from .execution import Execution
from .execution_page import ExecutionPage
from .execution_request_status import ExecutionRequestStatus
from .execution_trigger import ExecutionTrigger
from .field_error import FieldError
from .filter_ import Filter
from .get_event_response_200 import GetEventResponse200
from .get_event_response_200_deliveries_item import GetEventResponse200DeliveriesItem
from .get_event_response_200_deliveries_item_status import (
    GetEventResponse200DeliveriesItemStatus,
)
from .get_portal_asset_asset import GetPortalAssetAsset
from .headers import Headers
from .list_event_types_include_archived import ListEventTypesIncludeArchived
from .list_events_with_data import ListEventsWithData
from .list_executions_status import ListExecutionsStatus
from .list_webhooks_active import ListWebhooksActive
from .listed_event import ListedEvent
from .listed_event_page import ListedEventPage
from .metadata import Metadata
from .ping_failed import PingFailed
from .portal_session import PortalSession
from .portal_session_create import PortalSessionCreate
from .problem import Problem
from .publish_event_body import PublishEventBody
from .publish_event_response_202 import PublishEventResponse202
from .recover_queued import RecoverQueued
from .recover_request import RecoverRequest
from .retry_execution_response_202 import RetryExecutionResponse202
from .rotate_webhook_secret_body import RotateWebhookSecretBody
from .scope import Scope
from .secret import Secret
from .tenant_key import TenantKey
from .tenant_key_create import TenantKeyCreate
from .tenant_key_page import TenantKeyPage
from .tenant_settings import TenantSettings
from .tenant_settings_patch import TenantSettingsPatch
from .verification import Verification
from .webhook import Webhook
from .webhook_create import WebhookCreate
from .webhook_disabled_data import WebhookDisabledData
from .webhook_page import WebhookPage
from .webhook_patch import WebhookPatch
from .webhook_put import WebhookPut
from .webhook_stats import WebhookStats
from .webhook_stats_attempts import WebhookStatsAttempts
from .webhook_stats_deliveries import WebhookStatsDeliveries
from .webhook_with_secret import WebhookWithSecret

__all__ = (
    "CatalogEventType",
    "CatalogEventTypeExampleType0",
    "CatalogEventTypePage",
    "CatalogEventTypeSchemaType0",
    "CreatedTenantKey",
    "DeliveryExhaustedData",
    "EffectiveTenantSettings",
    "EventData",
    "EventTypeCreate",
    "EventTypeCreateExample",
    "EventTypeCreateSchemaType0",
    "EventTypePatch",
    "EventTypePatchExampleType0",
    "EventTypePatchSchemaType0",
    "Execution",
    "ExecutionPage",
    "ExecutionRequestStatus",
    "ExecutionTrigger",
    "FieldError",
    "Filter",
    "GetEventResponse200",
    "GetEventResponse200DeliveriesItem",
    "GetEventResponse200DeliveriesItemStatus",
    "GetPortalAssetAsset",
    "Headers",
    "ListEventTypesIncludeArchived",
    "ListEventsWithData",
    "ListExecutionsStatus",
    "ListWebhooksActive",
    "ListedEvent",
    "ListedEventPage",
    "Metadata",
    "PingFailed",
    "PortalSession",
    "PortalSessionCreate",
    "Problem",
    "PublishEventBody",
    "PublishEventResponse202",
    "RecoverQueued",
    "RecoverRequest",
    "RetryExecutionResponse202",
    "RotateWebhookSecretBody",
    "Scope",
    "Secret",
    "TenantKey",
    "TenantKeyCreate",
    "TenantKeyPage",
    "TenantSettings",
    "TenantSettingsPatch",
    "Verification",
    "Webhook",
    "WebhookCreate",
    "WebhookDisabledData",
    "WebhookPage",
    "WebhookPatch",
    "WebhookPut",
    "WebhookStats",
    "WebhookStatsAttempts",
    "WebhookStatsDeliveries",
    "WebhookWithSecret",
)
