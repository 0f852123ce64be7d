//! A Cloudflare Worker: `POST /webhook` verifies Stripe's signature and reads the typed
//! event; `POST /checkout` creates a Checkout Session and redirects the customer to it.
#![cfg(target_arch = "wasm32")]

use stripe_client::builders::{CheckoutMode, CheckoutSessionBuilder};
use stripe_client::prelude::*;
use stripe_client::webhook::{EventObject, Webhook};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, Response, ResponseInit, Url};

#[wasm_bindgen]
extern "C" {
    /// The Worker's bindings: secrets (`wrangler secret put ...`) and `[vars]`.
    pub type Env;
    #[wasm_bindgen(method, getter, js_name = STRIPE_SECRET_KEY)]
    fn stripe_secret_key(this: &Env) -> String;
    #[wasm_bindgen(method, getter, js_name = STRIPE_WEBHOOK_SECRET)]
    fn stripe_webhook_secret(this: &Env) -> String;
    #[wasm_bindgen(method, getter, js_name = STRIPE_PRICE)]
    fn stripe_price(this: &Env) -> String;
    /// Unset in production; a local stripe-mock in tests.
    #[wasm_bindgen(method, getter, js_name = STRIPE_API_BASE)]
    fn stripe_api_base(this: &Env) -> Option<String>;
}

/// The Worker's `fetch` handler (`worker.mjs` hands every request here).
#[wasm_bindgen]
pub async fn handle(request: Request, env: Env) -> Result<Response, JsValue> {
    let url = Url::new(&request.url())?;
    match (request.method().as_str(), url.pathname().as_str()) {
        ("POST", "/webhook") => webhook(request, &env).await,
        ("POST", "/checkout") => checkout(&url, &env).await,
        _ => text(404, "not found"),
    }
}

async fn webhook(request: Request, env: &Env) -> Result<Response, JsValue> {
    let signature = request
        .headers()
        .get("stripe-signature")?
        .unwrap_or_default();
    // The raw bytes, as Stripe signed them (not re-encoded text).
    let body = JsFuture::from(request.array_buffer()?).await?;
    let payload = js_sys::Uint8Array::new(&body).to_vec();
    let event = match Webhook::construct_event(&payload, &signature, &env.stripe_webhook_secret()) {
        Ok(event) => event,
        Err(e) => return text(400, e.reason()),
    };
    match &event.data.object {
        EventObject::CheckoutSession(session) => {
            // Fulfil the order here.
            text(200, &format!("fulfilled {}", session.id))
        }
        _ => text(200, &format!("ignored {}", event.type_.as_str())),
    }
}

async fn checkout(url: &Url, env: &Env) -> Result<Response, JsValue> {
    let mut client = Client::builder(env.stripe_secret_key());
    if let Some(base) = env.stripe_api_base() {
        client = client.api_base(base);
    }
    let client = client.build().map_err(to_js)?;
    let origin = url.origin();
    let params = CheckoutSessionBuilder::new(CheckoutMode::Payment)
        .line_item(env.stripe_price(), 1)
        .success_url(format!("{origin}/thanks"))
        .cancel_url(format!("{origin}/cart"))
        .build()
        .map_err(to_js)?;
    // Retries (with one idempotency key) and backoff run on the Worker's own timers.
    match params.send(&client).await {
        Ok(session) => Response::redirect_with_status(&session.url.unwrap_or(origin), 303),
        Err(e) => text(502, &format!("checkout failed: {e}")),
    }
}

fn text(status: u16, body: &str) -> Result<Response, JsValue> {
    let init = ResponseInit::new();
    init.set_status(status);
    Response::new_with_opt_str_and_init(Some(body), &init)
}

fn to_js(e: impl std::fmt::Display) -> JsValue {
    JsError::new(&e.to_string()).into()
}
