//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, built from [`super::endpoints`] (the same
//! list the router serves) and the schemas below, so a route cannot exist without being described.

use axum::Json;
use serde_json::{Map, Value, json};

use super::endpoints;

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(build())
}

/// The whole document.
pub fn build() -> Value {
    let mut paths = Map::new();
    for endpoint in endpoints() {
        let mut operation = json!({
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
        });
        let Some(op) = operation.as_object_mut() else { continue };
        let mut parameters: Vec<Value> = path_params(endpoint.path)
            .into_iter()
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } }))
            .collect();
        parameters.extend(endpoint.query.iter().map(|(name, description)| {
            let schema = if *name == "status" {
                json!({ "type": "string" })
            } else {
                json!({ "type": "integer", "minimum": 1 })
            };
            json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
        }));
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(schema) = endpoint.request {
            op.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "application/json": { "schema": schema_ref(schema) } } }),
            );
        }
        let (status, body) = endpoint.response;
        let mut responses = Map::new();
        let success = match body {
            Some(schema) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": schema_ref(schema) } } })
            }
            None if status == 204 => json!({ "description": "Done; no content" }),
            None => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "type": "object" } } } })
            }
        };
        responses.insert(status.to_string(), success);
        responses.insert("default".into(), json!({ "$ref": "#/components/responses/Problem" }));
        op.insert("responses".into(), Value::Object(responses));
        if endpoint.public {
            op.insert("security".into(), json!([]));
        }
        let item = paths.entry(endpoint.path.to_string()).or_insert_with(|| json!({}));
        if let Some(item) = item.as_object_mut() {
            item.insert(endpoint.method.as_str().to_ascii_lowercase(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Quire API",
            "version": "1",
            "description": "Posts, pages, comments, terms and media of a Quire site. Authenticate with `Authorization: Bearer <token>` (`quire token create`) or the staff session (state changes then need the `X-CSRF-Token` header). Errors are RFC 9457 problem details.",
        },
        "paths": paths,
        "security": [{ "bearer": [] }, { "session": [] }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An application token." },
                "session": { "type": "apiKey", "in": "cookie", "name": "quire_session" },
            },
            "responses": {
                "Problem": {
                    "description": "A failure (RFC 9457)",
                    "content": { "application/problem+json": { "schema": schema_ref("Problem") } },
                },
            },
            "schemas": schemas(),
        },
    })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The `{name}` placeholders of a path.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).collect()
}

fn schemas() -> Value {
    let nullable_string = json!({ "type": ["string", "null"] });
    let time = json!({ "type": ["string", "null"], "format": "date-time" });
    json!({
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": { "type": "string" },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "detail": { "type": "string" },
                "errors": { "type": "object", "additionalProperties": { "type": "string" }, "description": "What is wrong with each field." },
            },
        },
        "Post": {
            "type": "object",
            "required": ["id", "kind", "status", "title", "slug", "url", "body", "version"],
            "properties": {
                "id": { "type": "integer" },
                "kind": { "type": "string", "enum": ["post", "page"] },
                "status": { "type": "string", "enum": ["draft", "pending", "scheduled", "published", "private", "trash"] },
                "title": { "type": "string" },
                "slug": { "type": "string" },
                "url": { "type": "string", "format": "uri" },
                "body": { "type": "string", "description": "Markdown." },
                "html": { "type": "string" },
                "excerpt": nullable_string,
                "content_warning": nullable_string,
                "tags": { "type": "array", "items": { "type": "string" } },
                "categories": { "type": "array", "items": { "type": "string" } },
                "featured_media": { "type": ["integer", "null"] },
                "comments_open": { "type": "boolean" },
                "author_id": { "type": "integer" },
                "published_at": time,
                "created_at": { "type": "string", "format": "date-time" },
                "updated_at": { "type": "string", "format": "date-time" },
                "version": { "type": "string", "description": "Send it back with a PATCH to refuse overwriting a newer save (409)." },
            },
        },
        "PostInput": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "title": { "type": "string", "description": "Required to create." },
                "slug": { "type": "string" },
                "body": { "type": "string" },
                "excerpt": nullable_string,
                "content_warning": nullable_string,
                "tags": { "type": "array", "items": { "type": "string" } },
                "categories": { "type": "array", "items": { "type": "string" } },
                "featured_media": { "type": ["integer", "null"] },
                "comments_open": { "type": "boolean" },
                "status": { "type": "string", "enum": ["draft", "pending", "published", "scheduled"] },
                "publish_at": { "type": ["string", "null"], "format": "date-time" },
                "version": { "type": "string" },
            },
        },
        "PostList": list_of("Post"),
    })
}

fn list_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": { "type": "array", "items": schema_ref(item) },
            "total": { "type": "integer" },
            "page": { "type": "integer" },
            "per_page": { "type": "integer" },
        },
    })
}
