//! Every call the explorer prints compiles exactly as shown: the sections print calls only
//! through `call!`, which prints its own tokens and then runs them, so the printed text is
//! the code the compiler checked. This test keeps it that way: no call text is written by
//! hand anywhere in the sections.

#[path = "../src/one_line.rs"]
mod one_line;

const SECTIONS: &str = include_str!("../src/sections.rs");
const PRINT: &str = include_str!("../src/print.rs");

#[test]
fn sections_print_calls_only_through_the_macro() {
    let mut hand_written = Vec::new();
    for (n, line) in SECTIONS.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        // `call(` without the `!`, or the printer called directly.
        let by_hand = code.match_indices("call(").any(|(i, _)| {
            let before = &code[..i];
            !before.ends_with('!')
                && !before.ends_with('_')
                && !before.ends_with(char::is_alphanumeric)
        }) || code.contains("print::code(")
            || code.contains("code(&");
        if by_hand {
            hand_written.push(format!("sections.rs:{}: {}", n + 1, line.trim()));
        }
    }
    assert!(
        hand_written.is_empty(),
        "print calls with call!(…) so the printed text is the compiled code:\n{}",
        hand_written.join("\n")
    );
    assert!(SECTIONS.matches("call!(").count() >= 30);
}

#[test]
fn the_macro_prints_its_own_tokens_and_runs_them() {
    // The printer gets `stringify!` of the very expression it then evaluates.
    let body = PRINT
        .split("macro_rules! call")
        .nth(1)
        .expect("print.rs defines call!");
    let arm = &body[..body.find("\n}").expect("the macro ends")];
    assert!(
        arm.contains("($crate::print::code(stringify!($e)), $e).1"),
        "{arm}"
    );
}

#[test]
fn one_line_keeps_the_tokens() {
    assert_eq!(
        one_line::one_line("CreatePaymentIntent::new(2000,\n    \"usd\")\n    .send(&client)"),
        "CreatePaymentIntent::new(2000, \"usd\").send(&client)"
    );
    assert_eq!(
        one_line::one_line("f(\"a\\\"\n b\",\n x)"),
        "f(\"a\\\"\n b\", x)"
    );
}
