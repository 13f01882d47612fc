//! The parser's cases: what it accepts, and where and why it refuses the rest.

use super::*;

fn ok(s: &str) -> Expr {
    parse(s).unwrap_or_else(|e| panic!("{s}: {}", e.explain(s)))
}

fn err(s: &str) -> ParseError {
    parse(s).expect_err(s)
}

#[test]
fn parses_the_common_shapes() {
    let e = ok("Status='Open' AND (Assignee = N'j.smith@acmecorp.com' OR Priority >= 3)");
    assert_eq!(e.fields(), vec!["Status", "Assignee", "Priority"]);
    ok("Name LIKE 'O''Brien%'");
    ok("SKU NOT LIKE 'OBS-2024%' ESCAPE '\\'");
    ok("Qty IN (1, 2, 3) AND Region NOT IN ('EU','US')");
    ok("Created BETWEEN '2024-01-01' AND '2024-12-31'");
    ok("Closed IS NULL OR Closed IS NOT NULL");
    ok("NOT (Active = 1)");
    ok("Due < GETDATE() AND DATEADD(day, -7, GETDATE()) < Created");
    ok("(Qty + 1) * 2 > 10");
    ok("[First Name] = 'A'");
    ok("Amount > -5.5e2");
    ok("_status = 'Active' AND _2fa_status <> 'Enabled'");
}

#[test]
fn unescapes_strings() {
    let Expr::Compare { right, .. } = ok("Name = N'O''Brien'") else {
        panic!()
    };
    assert_eq!(right, Value::Str("O'Brien".into()));
}

#[test]
fn bracketed_names_unescape_doubled_brackets() {
    assert_eq!(
        ok("[a]]b] = 1 AND [First Name] = 'x'").fields(),
        ["a]b", "First Name"]
    );
    let e = err("x = 1 AND [a]]");
    assert_eq!(e.position, 10);
    assert!(e.message.contains("unclosed `[`"), "{e}");
}

#[test]
fn errors_say_where_and_what() {
    let e = err("Status = 'Open");
    assert_eq!(e.position, 9);
    assert!(e.message.contains("unclosed string"));
    let e = err("Status = ");
    assert!(e.message.contains("ends too early"), "{e}");
    let e = err("Status 'Open'");
    assert_eq!(e.position, 7);
    assert!(e.message.contains("expected a comparison"), "{e}");
    let e = err("a = 1 AND");
    assert!(e.message.contains("ends too early"), "{e}");
    let e = err("(a = 1");
    assert!(e.message.contains("`)`"), "{e}");
    let e = err("a = 1)");
    assert!(e.message.contains("unbalanced"), "{e}");
    assert!(
        e.explain("a = 1)").contains("     ^"),
        "{}",
        e.explain("a = 1)")
    );
    assert!(err("").message.contains("empty"));
    // A long or multi-line condition is shown around the error, on one line.
    let long = format!("{} AND B = 'x", vec!["A = 1"; 100].join(" AND "));
    let shown = err(&long).explain(&long);
    let lines: Vec<&str> = shown.lines().collect();
    assert!(
        lines[1].starts_with("  …") && lines[1].ends_with("B = 'x"),
        "{shown}"
    );
    assert_eq!(
        lines[1].chars().count(),
        lines[2].chars().count() + 1,
        "the caret stands under the quote: {shown}"
    );
    assert!(shown.len() < 400, "{shown}");
    let multi = "A = 1\nAND\tB = )";
    let shown = err(multi).explain(multi);
    assert!(
        shown.contains("  A = 1 AND B = )\n                ^"),
        "{shown}"
    );
}

#[test]
fn refuses_injection_shapes() {
    assert!(err("1=1; DROP TABLE x").message.contains("`;`"));
    assert!(err("Name = 'a' -- comment").message.contains("comments"));
    assert!(err("Name = 'a' /* x */").message.contains("comments"));
    assert!(err("Name = 'a' UNION SELECT 1")
        .message
        .contains("expected AND, OR or the end"));
    assert!(err("x IN (SELECT id FROM t)")
        .message
        .contains("keyword SELECT"));
}

#[test]
fn values_and_lists() {
    assert_eq!(
        parse_value("COUNT(*)").map(|_| ()),
        Err(ParseError {
            position: 6,
            message: "expected a value (a field, 'text', a number or NULL), found `*`".into()
        })
    );
    assert!(matches!(parse_value("SUM(Qty)"), Ok(Value::Call(n, _)) if n == "SUM"));
    let items: Vec<&str> = split_list("A, SUM(B, C), 'x,y'")
        .into_iter()
        .map(|(_, s)| s.trim())
        .collect();
    assert_eq!(items, vec!["A", "SUM(B, C)", "'x,y'"]);
}

#[test]
fn deep_nesting_and_long_text_are_refused_not_a_stack_overflow() {
    // These used to abort the server: one recursion per level on a worker thread's stack.
    for (open, close) in [("(", ")"), ("NOT ", ""), ("- ", ""), ("ABS(", ")")] {
        let deep = format!("{}1{} = 1", open.repeat(300), close.repeat(300));
        let e = parse(&deep).unwrap_err();
        assert!(
            e.message.contains("nested more than 64 levels"),
            "{open}: {e}"
        );
        let fits = format!("{}1{} = 1", open.repeat(60), close.repeat(60));
        assert!(parse(&fits).is_ok(), "{open}: {:?}", parse(&fits));
    }
    let e = parse_value(&format!("{}1{}", "(".repeat(100), ")".repeat(100))).unwrap_err();
    assert!(e.message.contains("nested more than"), "{e}");
    // A long AND chain is iterative to parse but deep to walk and drop: bounded by length.
    let long = vec!["A = 1"; 20_000].join(" AND ");
    let e = parse(&long).unwrap_err();
    assert!(e.message.contains("at most 2047"), "{e}");
    assert!(e.explain(&long).contains("at most 2047"));
    let fits = vec!["A = 1"; 200].join(" AND ");
    assert_eq!(parse(&fits).unwrap().fields().len(), 200);
}

/// Random text over the characters that matter to the lexer and parser: never a panic, and
/// every error's position lies within the input (so `explain` can point at it).
#[test]
fn hostile_input_never_panics() {
    const ALPHABET: &[&str] = &[
        "a",
        "Z",
        "_",
        "1",
        "0.5",
        "e",
        "'",
        "''",
        "N'",
        "[",
        "]",
        "]]",
        "(",
        ")",
        ",",
        "=",
        "<",
        ">",
        "!",
        "-",
        "+",
        "*",
        "/",
        "%",
        ";",
        " ",
        "\t",
        "\n",
        "é",
        "名",
        "😀",
        "AND",
        "OR",
        "NOT",
        "LIKE",
        "IN",
        "IS",
        "NULL",
        "BETWEEN",
        "ESCAPE",
        "SELECT",
        "GETDATE()",
        "--",
        "/*",
        "\\",
        "\"",
        "@",
        "#",
        "$",
        ".",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 12) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(if next() % 2 == 0 { " " } else { "" });
        for e in [parse(&text).err(), parse_value(&text).err()]
            .into_iter()
            .flatten()
        {
            assert!(e.position <= text.chars().count(), "{text:?}: {e}");
            let _ = e.explain(&text);
        }
    }
}

#[test]
fn quote_escapes() {
    assert_eq!(quote("O'Brien"), "N'O''Brien'");
    let e = ok(&format!("Name = {}", quote("it's")));
    let Expr::Compare { right, .. } = e else {
        panic!()
    };
    assert_eq!(right, Value::Str("it's".into()));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text drawn from the parser's own alphabet, so that deep and odd structures come up often.
    fn tokens() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("("),
                Just(")"),
                Just("'"),
                Just("''"),
                Just("["),
                Just("]"),
                Just(" AND "),
                Just(" OR "),
                Just("NOT "),
                Just(" = "),
                Just(" <> "),
                Just(" LIKE "),
                Just(" IN "),
                Just(" BETWEEN "),
                Just(" IS NULL"),
                Just(","),
                Just("-"),
                Just("+"),
                Just("N'"),
                Just("Field"),
                Just("12"),
                Just("1.5e3"),
                Just("GETDATE()"),
                Just("\n"),
                Just("é"),
            ],
            0..200,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_refused_at_a_position_inside_it(text in "\\PC{0,300}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.position <= text.chars().count());
                let _ = e.explain(&text);
            }
            let _ = parse_value(&text);
            let _ = split_list(&text);
        }

        #[test]
        fn token_soup_never_panics_and_quoting_round_trips(text in tokens(), word in "\\PC{0,40}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.position <= text.chars().count());
            }
            // A quoted value is always one string literal, whatever it holds.
            let condition = format!("F = {}", quote(&word));
            let parsed = parse(&condition).unwrap();
            prop_assert_eq!(parsed.fields(), vec!["F"]);
        }
    }
}
