//! The event-type catalog: the operator describes the event types the product sends (with a
//! JSON Schema for their `data` and an example), and every tenant reads it.

use super::ApiError;
use super::pagination::{Cursor, bounded_page, fill_page, page_params};
use super::request::{ApiRequest, ApiResponse, Body, Query, empty_response, json_response};
use super::views::CatalogEntryView;
use crate::AppContext;
use crate::catalog::Schema;
use crate::domain::{CatalogEntry, EventType, MAX_CATALOG_DESCRIPTION_LEN, Timestamp};
use crate::store::StoreError;
use http::StatusCode;
use serde_json::Value;

/// How often a change is tried again when the entry changed between read and write.
const WRITE_ATTEMPTS: usize = 5;

fn description(body: &mut Body) -> Option<String> {
    let text = body.take::<String>("description")?;
    if text.trim().is_empty() || text.chars().count() > MAX_CATALOG_DESCRIPTION_LEN {
        body.error(
            "description",
            format!("must be 1 to {MAX_CATALOG_DESCRIPTION_LEN} characters, not only spaces"),
        );
        return None;
    }
    Some(text)
}

/// A schema that compiles, or `None` with the problem recorded.
fn checked_schema(body: &mut Body, schema: Value) -> Option<Value> {
    match Schema::compile(&schema) {
        Ok(_) => Some(schema),
        Err(why) => {
            body.error("schema", why);
            None
        }
    }
}

/// An example that is an object (as an event's data is), or `None` with the problem recorded.
fn checked_example(body: &mut Body, example: Value) -> Option<Value> {
    if example.is_object() {
        Some(example)
    } else {
        body.error("example", "must be a JSON object, as an event's data is");
        None
    }
}

/// The example must satisfy the schema, whichever of the two changed.
fn check_example(schema: Option<&Value>, example: Option<&Value>) -> Result<(), ApiError> {
    let (Some(schema), Some(example)) = (schema, example) else {
        return Ok(());
    };
    let compiled = Schema::compile(schema).map_err(|why| ApiError::validation("schema", why))?;
    let failures = compiled.failures(example, "/example");
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(failures))
    }
}

pub async fn create(ctx: &AppContext, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut body = Body::parse(
        &request.body,
        &["name", "description", "schema", "example"],
        &[],
    )?;
    let name = body.take_parsed("name", EventType::parse);
    let name = body.require("name", name);
    let description = description(&mut body);
    let description = body.require("description", description);
    let schema = body
        .take::<Value>("schema")
        .and_then(|s| checked_schema(&mut body, s));
    let example = body
        .take::<Value>("example")
        .and_then(|e| checked_example(&mut body, e));
    let errors = body.into_errors();
    let (Some(name), Some(description), true) = (name, description, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    check_example(schema.as_ref(), example.as_ref())?;
    let now = Timestamp::now();
    let entry = CatalogEntry {
        name,
        description,
        schema,
        example,
        archived: false,
        created_at: now,
        updated_at: now,
    };
    match ctx.catalog.insert(&entry).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(ApiError::EventTypeConflict),
        Err(e) => return Err(e.into()),
    }
    ctx.catalog_cache.invalidate();
    tracing::info!(event_type = entry.name.as_str(), "event type catalogued");
    Ok(json_response(
        StatusCode::CREATED,
        &CatalogEntryView::new(&entry),
    ))
}

pub async fn list(ctx: &AppContext, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let query = Query::parse(
        request.query.as_deref(),
        &["limit", "cursor", "include_archived"],
    )?;
    let mut errors = Vec::new();
    let (limit, cursor) = page_params(&query, |t| EventType::parse(t).ok(), &mut errors);
    let include_archived = match query.get("include_archived") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(crate::domain::FieldError::new(
                "include_archived",
                "must be true or false",
            ));
            false
        }
    };
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let (page, next) = fill_page(
        cursor,
        limit,
        !include_archived,
        |e: &CatalogEntry| e.name.clone(),
        |e: &CatalogEntry| include_archived || !e.archived,
        |after, n| async move { ctx.catalog.list(after.as_ref(), n).await },
    )
    .await?;
    let page = bounded_page(
        &page,
        next.map(|k| Cursor::after(k.as_str())),
        |e| Cursor::after(e.name.as_str()),
        CatalogEntryView::new,
    );
    Ok(json_response(StatusCode::OK, &page))
}

async fn find(ctx: &AppContext, name: &str) -> Result<CatalogEntry, ApiError> {
    let name = EventType::parse(name).map_err(|_| ApiError::EventTypeNotFound)?;
    ctx.catalog
        .get(&name)
        .await?
        .ok_or(ApiError::EventTypeNotFound)
}

pub async fn get(ctx: &AppContext, name: &str) -> Result<ApiResponse, ApiError> {
    let entry = find(ctx, name).await?;
    Ok(json_response(
        StatusCode::OK,
        &CatalogEntryView::new(&entry),
    ))
}

pub async fn update(
    ctx: &AppContext,
    request: &ApiRequest,
    name: &str,
) -> Result<ApiResponse, ApiError> {
    find(ctx, name).await?;
    let mut body = Body::parse(
        &request.body,
        &["description", "schema", "example", "archived"],
        &[(
            "name",
            "cannot be changed: create the new name and archive this one",
        )],
    )?;
    let description = description(&mut body);
    // `null` removes a schema or an example.
    let schema = body
        .take_nullable::<Value>("schema")
        .map(|s| s.and_then(|s| checked_schema(&mut body, s)));
    let example = body
        .take_nullable::<Value>("example")
        .map(|e| e.and_then(|e| checked_example(&mut body, e)));
    let archived = body.take::<bool>("archived");
    let errors = body.into_errors();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    for _ in 0..WRITE_ATTEMPTS {
        let current = find(ctx, name).await?;
        let next = CatalogEntry {
            description: description.clone().unwrap_or(current.description.clone()),
            schema: schema.clone().unwrap_or(current.schema.clone()),
            example: example.clone().unwrap_or(current.example.clone()),
            archived: archived.unwrap_or(current.archived),
            updated_at: Timestamp::now()
                .max(current.updated_at.plus(std::time::Duration::from_millis(1))),
            ..current.clone()
        };
        check_example(next.schema.as_ref(), next.example.as_ref())?;
        match ctx.catalog.replace(&current, &next).await {
            Ok(()) => {
                ctx.catalog_cache.invalidate();
                tracing::info!(event_type = next.name.as_str(), "event type changed");
                return Ok(json_response(StatusCode::OK, &CatalogEntryView::new(&next)));
            }
            Err(StoreError::Stale) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    tracing::error!(
        event_type = name,
        "event type kept changing during the write"
    );
    Err(ApiError::Internal)
}

pub async fn delete(ctx: &AppContext, name: &str) -> Result<ApiResponse, ApiError> {
    let name = EventType::parse(name).map_err(|_| ApiError::EventTypeNotFound)?;
    if !ctx.catalog.delete(&name).await? {
        return Err(ApiError::EventTypeNotFound);
    }
    ctx.catalog_cache.invalidate();
    tracing::info!(
        event_type = name.as_str(),
        "event type removed from the catalog"
    );
    Ok(empty_response(StatusCode::NO_CONTENT))
}
