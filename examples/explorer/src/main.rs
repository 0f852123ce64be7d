//! `cargo xtask explorer`: a notebook-style tour of the SDK, section by section.
//!
//! ```text
//! explorer --base-url http://127.0.0.1:12111        # stripe-mock (what `cargo xtask explorer` does)
//! STRIPE_API_KEY=sk_test_... explorer --base-url https://api.stripe.com   # a real test account
//! ```
//!
//! Every section prints its heading, the calls it makes and what came back (lists as
//! tables, objects as indented trees, secrets redacted), then one progress line. The last
//! line is `explorer: <passed>/<total> sections passed`; the exit status is 0 only when
//! every section behaved as expected.

mod one_line;
#[macro_use]
mod print;
mod sections;

use std::process::ExitCode;
use std::time::Instant;

/// The sections, in order.
pub const SECTIONS: [&str; 10] = [
    "Setup",
    "Payments",
    "Billing",
    "Metering",
    "Customer session",
    "Connect",
    "Webhooks",
    "Batch",
    "Expand",
    "Files",
];

/// What one run knows: the client and the ids earlier sections created.
pub struct Tour {
    /// The API base URL (`--base-url`).
    pub base_url: String,
    /// `true` when talking to stripe-mock rather than api.stripe.com.
    pub mock: bool,
    /// The API key (never printed).
    pub api_key: String,
    /// Built by Setup.
    pub client: Option<stripe_client::Client>,
    /// Ids later sections reuse.
    pub customer: Option<String>,
    /// The confirmed payment intent.
    pub payment_intent: Option<String>,
    /// The monthly price.
    pub price: Option<String>,
    /// The created subscription.
    pub subscription: Option<String>,
}

impl Tour {
    /// The client, or a failure when Setup did not build one.
    pub fn client(&self) -> Result<&stripe_client::Client, String> {
        self.client
            .as_ref()
            .ok_or_else(|| "no client (Setup failed)".to_owned())
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: explorer [--base-url <url>]\n\n\
         --base-url  http://127.0.0.1:12111 (stripe-mock, the default) or https://api.stripe.com\n\
         STRIPE_API_KEY  required with https://api.stripe.com (a test key, sk_test_...)"
    );
    ExitCode::from(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut base_url =
        std::env::var("STRIPE_MOCK_URL").unwrap_or_else(|_| "http://127.0.0.1:12111".into());
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--base-url" => match args.get(i + 1) {
                Some(u) => {
                    base_url = u.trim_end_matches('/').to_owned();
                    i += 2;
                }
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ => return usage(),
        }
    }
    let mock = !base_url.contains("api.stripe.com");
    let api_key = match std::env::var("STRIPE_API_KEY") {
        Ok(k) if !k.trim().is_empty() => k,
        _ if mock => "sk_test_123".to_owned(),
        _ => {
            eprintln!(
                "explorer: STRIPE_API_KEY (a test key, sk_test_...) is required with {base_url}"
            );
            return ExitCode::from(2);
        }
    };
    if !mock && !api_key.starts_with("sk_test_") && !api_key.starts_with("rk_test_") {
        eprintln!(
            "explorer: refusing to run against a live-mode key; use a test key (sk_test_...)"
        );
        return ExitCode::from(2);
    }

    println!(
        "stripe-rs explorer — {} ({})",
        base_url,
        if mock {
            "stripe-mock"
        } else {
            "Stripe test mode"
        }
    );
    let mut tour = Tour {
        base_url,
        mock,
        api_key,
        client: None,
        customer: None,
        payment_intent: None,
        price: None,
        subscription: None,
    };
    let total = SECTIONS.len();
    let mut passed = 0;
    for (n, name) in SECTIONS.iter().enumerate() {
        print::heading(n + 1, total, name);
        let start = Instant::now();
        let result = match n {
            0 => sections::setup(&mut tour).await,
            1 => sections::payments(&mut tour).await,
            2 => sections::billing(&mut tour).await,
            3 => sections::metering(&mut tour).await,
            4 => sections::customer_session(&mut tour).await,
            5 => sections::connect(&mut tour).await,
            6 => sections::webhooks(&mut tour).await,
            7 => sections::batch(&mut tour).await,
            8 => sections::expand(&mut tour).await,
            _ => sections::files(&mut tour).await,
        };
        let ms = start.elapsed().as_millis();
        match result {
            Ok(()) => {
                passed += 1;
                println!("[{}/{}] {name}: ok ({ms} ms)", n + 1, total);
            }
            Err(why) => println!("[{}/{}] {name}: FAILED ({ms} ms): {why}", n + 1, total),
        }
    }
    println!();
    println!("explorer: {passed}/{total} sections passed");
    if passed == total {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
