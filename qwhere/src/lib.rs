//! Caspio's `q.where`: the T-SQL WHERE subset, parsed into an AST. One parser serves the tool
//! layer (a syntax error comes back at once, with its position, before anything is sent) and the
//! sandbox (which compiles the AST to parameterised SQLite SQL and never splices user text).
//!
//! Grammar (case-insensitive keywords):
//! ```text
//! expr      := and (OR and)*
//! and       := not (AND not)*
//! not       := NOT not | predicate
//! predicate := '(' expr ')'
//!            | value ( cmp value | [NOT] LIKE value [ESCAPE string]
//!                    | [NOT] IN '(' value (',' value)* ')' | [NOT] BETWEEN value AND value
//!                    | IS [NOT] NULL )
//! value     := term (('+' | '-') term)*
//! term      := unary (('*' | '/' | '%') unary)*
//! unary     := '-' unary | number | string | N'string' | NULL | field | [field]
//!            | name '(' [value (',' value)*] ')' | '(' value ')'
//! cmp       := '=' | '<>' | '!=' | '<' | '>' | '<=' | '>='
//! ```
//! Strings are single-quoted with `''` for a quote inside; `N'...'` marks Unicode.
#![warn(missing_docs)]

mod ast;
mod error;
mod lexer;
mod parser;

pub use ast::{quote, ArithOp, CmpOp, Expr, Value};
pub use error::ParseError;

use lexer::Tok;
use parser::{show, Parser};

/// Caspio's limit on the length of a request URI. Every condition and expression travels in
/// one, so nothing longer could be sent: the parser refuses longer text before reading it, which
/// also bounds how deep an AND/OR chain's tree grows.
pub const MAX_URI: usize = 2047;

/// The longest condition or expression read (see [`MAX_URI`]).
pub const MAX_SOURCE_CHARS: usize = MAX_URI;

/// How deeply parentheses, NOTs, signs and function calls may nest. The parser recurses once
/// per level, so without a bound `((((...` would overflow the stack and abort the whole server.
pub const MAX_DEPTH: usize = 64;

/// Parses a condition.
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    let mut p = Parser::over(source, "the condition is empty")?;
    let expr = p.expr()?;
    match p.peek() {
        Tok::End => Ok(expr),
        Tok::Sym(")") => Err(p.error("unbalanced `)`")),
        other => Err(p.error(&format!(
            "expected AND, OR or the end, found {}",
            show(other)
        ))),
    }
}

/// Parses one value expression (a field, literal, call or arithmetic), as used in `q.select`,
/// `q.orderBy` and `q.groupBy` items.
pub fn parse_value(source: &str) -> Result<Value, ParseError> {
    let mut p = Parser::over(source, "the expression is empty")?;
    let value = p.value()?;
    match p.peek() {
        Tok::End => Ok(value),
        other => Err(p.error(&format!("unexpected {} after the expression", show(other)))),
    }
}

/// Splits a comma-separated list at top level (commas inside parentheses or strings stay),
/// returning each item with its character offset.
pub fn split_list(source: &str) -> Vec<(usize, &str)> {
    let mut items = Vec::new();
    let (mut depth, mut in_str, mut start) = (0i32, false, 0usize);
    for (i, c) in source.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                items.push((source[..start].chars().count(), &source[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((source[..start].chars().count(), &source[start..]));
    items
}

#[cfg(test)]
mod tests;
