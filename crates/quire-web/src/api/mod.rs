//! The JSON API under `/api/v1/`: posts, pages, comments, terms and media for programs and the
//! admin's own scripts. A request acts as a staff member named by `Authorization: Bearer <token>`
//! (an application token) or by the session cookie; a session's state changes must come from this
//! site and carry the `X-CSRF-Token` header, as in the admin. Roles are checked by the same use
//! cases as the admin's. Every failure is an RFC 9457 problem (`application/problem+json`).
//! The routes are listed once, in [`endpoints`]: the router and the OpenAPI document are both
//! built from that list.

mod openapi;
mod posts;
mod problem;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, delete, get, patch, post};
use quire_app::accounts::StaffSession;
use quire_core::Action;

use crate::admin::session::{SESSION_COOKIE, cookie};
use crate::{WebState, csrf};
pub use problem::Problem;

/// Where the API lives.
pub const BASE: &str = "/api/v1";

/// One operation of the API: what the router serves and what the OpenAPI document says.
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Path with `{param}` placeholders, as axum and OpenAPI both write it.
    pub path: &'static str,
    /// Unique operation id.
    pub operation_id: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Group (OpenAPI tag).
    pub tag: &'static str,
    /// Schema name of the request body, if it takes one.
    pub request: Option<&'static str>,
    /// Success status and the schema name of its body (`None`: no body).
    pub response: (u16, Option<&'static str>),
    /// Query parameters (name, description).
    pub query: &'static [(&'static str, &'static str)],
    /// Whether anyone may call it without signing in.
    pub public: bool,
    handler: MethodRouter<WebState>,
}

impl Endpoint {
    #[expect(clippy::too_many_arguments, reason = "a table row; named at each call by position once")]
    fn new(
        method: Method,
        path: &'static str,
        operation_id: &'static str,
        summary: &'static str,
        tag: &'static str,
        request: Option<&'static str>,
        response: (u16, Option<&'static str>),
        handler: MethodRouter<WebState>,
    ) -> Endpoint {
        Endpoint { method, path, operation_id, summary, tag, request, response, query: &[], public: false, handler }
    }

    fn with_query(mut self, query: &'static [(&'static str, &'static str)]) -> Endpoint {
        self.query = query;
        self
    }
}

const LIST_QUERY: &[(&str, &str)] = &[
    ("page", "Page number, from 1."),
    ("per_page", "Items per page, 1 to 100 (default 20)."),
    ("status", "Only this status: draft, pending, scheduled, published, private or trash (default: all but trash)."),
];

/// Every operation of the API, in the order the document lists them.
pub fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    let mut all = vec![
        Endpoint {
            public: true,
            ..Endpoint::new(
                M::GET,
                "/api/v1/openapi.json",
                "openapi",
                "This document",
                "meta",
                None,
                (200, None),
                get(openapi::document),
            )
        },
        Endpoint::new(
            M::GET,
            "/api/v1/posts",
            "listPosts",
            "List posts",
            "posts",
            None,
            (200, Some("PostList")),
            get(posts::list_posts),
        )
        .with_query(LIST_QUERY),
        Endpoint::new(
            M::POST,
            "/api/v1/posts",
            "createPost",
            "Create a post",
            "posts",
            Some("PostInput"),
            (201, Some("Post")),
            post(posts::create_post),
        ),
        Endpoint::new(
            M::GET,
            "/api/v1/posts/{id}",
            "getPost",
            "Read a post",
            "posts",
            None,
            (200, Some("Post")),
            get(posts::get_post),
        ),
        Endpoint::new(
            M::PATCH,
            "/api/v1/posts/{id}",
            "updatePost",
            "Update a post",
            "posts",
            Some("PostInput"),
            (200, Some("Post")),
            patch(posts::update_post),
        ),
        Endpoint::new(
            M::DELETE,
            "/api/v1/posts/{id}",
            "deletePost",
            "Move a post to the trash",
            "posts",
            None,
            (204, None),
            delete(posts::delete_post),
        ),
        Endpoint::new(
            M::GET,
            "/api/v1/pages",
            "listPages",
            "List pages",
            "pages",
            None,
            (200, Some("PostList")),
            get(posts::list_pages),
        )
        .with_query(LIST_QUERY),
        Endpoint::new(
            M::POST,
            "/api/v1/pages",
            "createPage",
            "Create a page",
            "pages",
            Some("PostInput"),
            (201, Some("Post")),
            post(posts::create_page),
        ),
        Endpoint::new(
            M::GET,
            "/api/v1/pages/{id}",
            "getPage",
            "Read a page",
            "pages",
            None,
            (200, Some("Post")),
            get(posts::get_page),
        ),
        Endpoint::new(
            M::PATCH,
            "/api/v1/pages/{id}",
            "updatePage",
            "Update a page",
            "pages",
            Some("PostInput"),
            (200, Some("Post")),
            patch(posts::update_page),
        ),
        Endpoint::new(
            M::DELETE,
            "/api/v1/pages/{id}",
            "deletePage",
            "Move a page to the trash",
            "pages",
            None,
            (204, None),
            delete(posts::delete_page),
        ),
    ];
    all.shrink_to_fit();
    all
}

/// The API's routes, built from [`endpoints`], behind [`guard`]; unknown API paths are 404 problems.
pub fn routes(state: WebState) -> Router<WebState> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<WebState>> = BTreeMap::new();
    for endpoint in endpoints() {
        let merged = match by_path.remove(endpoint.path) {
            Some(existing) => existing.merge(endpoint.handler),
            None => endpoint.handler,
        };
        by_path.insert(endpoint.path, merged);
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        let handler = handler.fallback(|| async {
            Problem::new(405, "Method not allowed", "This address does not answer that method.")
        });
        router = router.route(path, handler);
    }
    router
        .route("/api/{*rest}", any(|| async { Problem::not_found() }))
        .layer(middleware::from_fn_with_state(state, guard))
}

/// The staff member a request acts as, resolved by [`guard`].
#[derive(Debug, Clone)]
pub struct ApiStaff(pub StaffSession);

impl ApiStaff {
    /// Refuses with a 403 problem unless the account may do `action` on anyone's things.
    pub fn require(&self, action: Action) -> Result<(), Problem> {
        if self.0.may(action) { Ok(()) } else { Err(Problem::forbidden()) }
    }
}

/// Who the request acts as, as [`guard`] found it (`None`: nobody).
#[derive(Clone)]
struct Caller(Option<StaffSession>);

impl FromRequestParts<WebState> for ApiStaff {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &WebState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller(Some(session))) if session.may(Action::UseAdmin) => Ok(ApiStaff(session.clone())),
            Some(Caller(Some(_))) => Err(Problem::forbidden()),
            _ => Err(Problem::unauthorized(
                "Send `Authorization: Bearer <token>` with an application token, or sign in.",
            )),
        }
    }
}

/// Middleware of every API request: finds the caller (bearer token first, else the session),
/// refuses a session's forged state changes, and forbids caching.
async fn guard(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let (method, headers) = (request.method().clone(), request.headers().clone());
    let caller = match caller(&state, &method, &headers).await {
        Ok(caller) => caller,
        Err(problem) => return no_store(problem.into_response()),
    };
    request.extensions_mut().insert(Caller(caller));
    no_store(next.run(request).await)
}

async fn caller(state: &WebState, method: &Method, headers: &HeaderMap) -> Result<Option<StaffSession>, Problem> {
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let token = authorization.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let found = match token {
            Some(token) => state.app.staff_by_api_token(token).await.map_err(Problem::internal)?,
            None => None,
        };
        return match found {
            Some(session) => Ok(Some(session)),
            None => Err(Problem::unauthorized(
                "This token is not valid: it is unknown, revoked, or its account is deactivated.",
            )),
        };
    }
    let Some(secret) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let session = state.app.staff_session(secret).await.map_err(Problem::internal)?;
    if let Some(session) = &session
        && csrf::is_unsafe(method)
    {
        if csrf::cross_site(state, headers) {
            return Err(Problem::new(403, "Request refused", "This request came from another site and was refused."));
        }
        let presented = headers.get(csrf::HEADER).and_then(|v| v.to_str().ok());
        if !csrf::token_matches(presented, Some(&session.csrf_token)) {
            return Err(Problem::new(
                403,
                "Request refused",
                "A request signed in by the session cookie must carry this session's token in the X-CSRF-Token header.",
            ));
        }
    }
    Ok(session)
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
