//! The web application under test: the real router driven in process on
//! a fresh database (`guildhall_testkit::fresh_store`), with people who
//! have accounts and signed-in sessions.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use guildhall_app::auth::AccountInput;
use guildhall_app::{App, Config, SessionUser};
use guildhall_domain::PersonId;
use guildhall_testkit::fresh_store;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The test client's visitor cookie; forms carry the token bound to it
/// (or, once signed in, to the session): see [`TestApp::csrf`].
pub const CSRF: &str = "testtesttesttesttesttesttesttesttesttesttes";
pub const PASSWORD: &str = "correct horse battery";

/// One application under test.
pub struct TestApp {
    pub app: App,
    pub router: Router,
}

/// A response as tests look at it.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The value of a cookie set by this response.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }
}

/// A signed-in person: their id and session cookie.
#[derive(Clone, Debug)]
pub struct Who {
    pub id: PersonId,
    pub token: String,
    pub email: String,
}

impl TestApp {
    pub async fn new() -> TestApp {
        let store = fresh_store().await;
        let app = App::new(store, Config::default());
        let router = guildhall_web::router(app.clone(), guildhall_web::WebConfig::default());
        TestApp { app, router }
    }

    /// Creates a person with an account of the given organization role and
    /// signs them in.
    pub async fn user(&self, name: &str, role: &str) -> Who {
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        let id = self
            .app
            .create_account(&AccountInput {
                name: name.into(),
                email: email.clone(),
                password: PASSWORD.into(),
                role: role.into(),
            })
            .await
            .expect("create account");
        let (_, session) = self
            .app
            .sign_in(&email, PASSWORD, "")
            .await
            .expect("sign in");
        Who {
            id,
            token: session.token,
            email,
        }
    }

    pub async fn session(&self, who: &Who) -> SessionUser {
        self.app
            .session_user(&who.token)
            .await
            .expect("session")
            .expect("live session")
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// The form token a browser holding these cookies is given.
    pub async fn csrf(&self, who: Option<&Who>) -> String {
        let hash = who.map(|w| guildhall_app::auth::hash_token(&w.token));
        let binding = match &hash {
            Some(h) => guildhall_app::auth::FormBinding::Session(h),
            None => guildhall_app::auth::FormBinding::Visitor(CSRF),
        };
        self.app.form_token(binding).await.expect("form token")
    }

    fn cookies(who: Option<&Who>) -> String {
        match who {
            Some(w) => format!("gh_session={}; gh_csrf={CSRF}", w.token),
            None => format!("gh_csrf={CSRF}"),
        }
    }

    pub async fn get(&self, path: &str, who: Option<&Who>) -> TestResponse {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, Self::cookies(who))
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// Posts a form as a browser would, with the CSRF field.
    pub async fn post_form(
        &self,
        path: &str,
        who: Option<&Who>,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf", &self.csrf(who).await);
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, Self::cookies(who))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.finish()))
            .expect("request");
        self.send(req).await
    }

    /// Sends JSON to the API.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        who: Option<&Who>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, Self::cookies(who));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).expect("request")).await
    }

    /// POSTs JSON (the API requires a JSON body on every state change).
    pub async fn api_post(&self, path: &str, who: &Who, body: serde_json::Value) -> TestResponse {
        self.api(Method::POST, path, Some(who), Some(body)).await
    }
}
