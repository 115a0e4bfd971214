//! The person's API tokens: create (the secret is shown once), list, revoke.

use super::{PageResult, form_error};
use crate::AppState;
use crate::extract::{ClientAddress, PageCtx, PageForm, PageUser, path_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use guildhall_app::Actor;
use guildhall_app::tokens::TokenInput;
use guildhall_domain::{FieldErrors, Timestamp};
use guildhall_store::ApiToken;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", get(tokens).post(create))
        .route("/account/tokens/{id}/revoke", post(revoke))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TokenForm {
    name: String,
    write: Option<String>,
    admin: Option<String>,
    expires_in_days: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: PageCtx,
    tokens: Vec<ApiToken>,
    f: TokenForm,
    errors: FieldErrors,
    /// The secret of the token just created, shown this once.
    secret: Option<String>,
}

impl TokensPage {
    fn date(at: &i64) -> String {
        Timestamp(*at).date()
    }
    fn live(t: &ApiToken) -> bool {
        t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > Timestamp::now().0)
    }
}

async fn page(
    s: &AppState,
    p: PageUser,
    f: TokenForm,
    errors: FieldErrors,
    secret: Option<String>,
) -> Result<TokensPage, guildhall_app::AppError> {
    Ok(TokensPage {
        tokens: s.app.my_tokens(&p.user).await?,
        ctx: p.ctx.with_nav(""),
        f,
        errors,
        secret,
    })
}

impl TokenForm {
    /// An empty form with the default lifetime chosen.
    fn fresh() -> Self {
        TokenForm {
            expires_in_days: guildhall_domain::token::DEFAULT_DAYS.to_string(),
            ..TokenForm::default()
        }
    }
}

async fn tokens(State(s): State<AppState>, p: PageUser) -> PageResult {
    Ok(page(&s, p, TokenForm::fresh(), FieldErrors::new(), None)
        .await?
        .into_response())
}

async fn create(
    State(s): State<AppState>,
    p: PageUser,
    addr: ClientAddress,
    PageForm(f): PageForm<TokenForm>,
) -> PageResult {
    let mut scopes = vec!["read".to_owned()];
    if f.write.is_some() {
        scopes.push("write".into());
    }
    if f.admin.is_some() {
        scopes.push("admin".into());
    }
    let days = f.expires_in_days.trim();
    let expires_in_days = match days.parse::<i64>() {
        Ok(d) => Some(d),
        Err(_) if days.is_empty() => None,
        Err(_) => Some(0),
    };
    let input = TokenInput {
        name: f.name.clone(),
        scopes,
        expires_in_days,
    };
    let actor = Actor::person(&p.user, addr.0);
    match s.app.create_token(&actor, &p.user, &input).await {
        Ok((_, secret)) => Ok(
            page(&s, p, TokenForm::fresh(), FieldErrors::new(), Some(secret))
                .await?
                .into_response(),
        ),
        Err(e) => {
            let shown = page(&s, p, f, FieldErrors::new(), None).await?;
            form_error(e, |errors| TokensPage { errors, ..shown })
        }
    }
}

async fn revoke(
    State(s): State<AppState>,
    p: PageUser,
    addr: ClientAddress,
    Path(id): Path<String>,
) -> PageResult {
    let id: guildhall_domain::TokenId = path_id(&id, "token")?;
    let actor = Actor::person(&p.user, addr.0);
    s.app.revoke_token(&actor, &p.user, id).await?;
    Ok(Redirect::to("/account/tokens").into_response())
}
