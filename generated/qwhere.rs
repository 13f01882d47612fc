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

use std::fmt;

/// A boolean condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// It does not hold.
    Not(Box<Expr>),
    /// `left op right`.
    Compare {
        /// Left side.
        left: Value,
        /// Operator.
        op: CmpOp,
        /// Right side.
        right: Value,
    },
    /// `value [NOT] LIKE pattern [ESCAPE c]`.
    Like {
        /// The tested value.
        value: Value,
        /// The pattern.
        pattern: Value,
        /// `NOT LIKE`.
        negated: bool,
        /// The escape character.
        escape: Option<String>,
    },
    /// `value [NOT] IN (list)`.
    In {
        /// The tested value.
        value: Value,
        /// The candidates.
        list: Vec<Value>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `value [NOT] BETWEEN low AND high`.
    Between {
        /// The tested value.
        value: Value,
        /// Lower bound.
        low: Value,
        /// Upper bound.
        high: Value,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `value IS [NOT] NULL`.
    IsNull {
        /// The tested value.
        value: Value,
        /// `IS NOT NULL`.
        negated: bool,
    },
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>` or `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

impl CmpOp {
    /// The operator as SQL writes it (T-SQL and SQLite agree).
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

impl ArithOp {
    /// The operator as SQL writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        }
    }
}

/// A scalar value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A field reference.
    Field(String),
    /// A string literal (unescaped).
    Str(String),
    /// A number literal, as written.
    Number(String),
    /// `NULL`.
    Null,
    /// A function call, name upper-cased.
    Call(String, Vec<Value>),
    /// `-x`.
    Neg(Box<Value>),
    /// `a op b`.
    Arith(Box<Value>, ArithOp, Box<Value>),
}

/// A syntax error with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset (0-based) where the problem is.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "q.where syntax error at character {}: {}",
            self.position + 1,
            self.message
        )
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The message with the condition and a caret under the position, and an example of the
    /// syntax, for a model to correct itself.
    pub fn explain(&self, source: &str) -> String {
        let (shown, caret) = excerpt(source, self.position);
        format!(
            "{self}\n  {shown}\n  {}^\nWrite a T-SQL condition without WHERE, e.g. Status = 'Open' AND Name LIKE N'O''Brien%' AND Qty IN (1, 2)",
            " ".repeat(caret)
        )
    }
}

/// Characters shown on each side of an error's position: enough to recognise the spot, and a
/// condition of any length still gives a message of a few lines.
const CONTEXT_CHARS: usize = 40;

/// The part of `source` around character `position`, on one line (line breaks and tabs shown
/// as spaces so the caret lines up), with `…` where it was cut, and the caret's column in it.
fn excerpt(source: &str, position: usize) -> (String, usize) {
    let chars: Vec<char> = source
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let position = position.min(chars.len());
    let start = position.saturating_sub(CONTEXT_CHARS);
    let end = (position + CONTEXT_CHARS).min(chars.len());
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, position - start + usize::from(start > 0))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Bracketed(String),
    Str(String),
    Num(String),
    Sym(&'static str),
    End,
}

struct Lexer {
    toks: Vec<(Tok, usize)>,
}

fn lex(src: &str) -> Result<Lexer, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if (c == 'N' || c == 'n') && chars.get(i + 1) == Some(&'\'') {
            i += 1;
            continue_string(&chars, &mut i, start, &mut toks)?;
            continue;
        }
        if c == '\'' {
            continue_string(&chars, &mut i, start, &mut toks)?;
            continue;
        }
        if c == '[' {
            // A bracketed name; `]]` inside stands for `]`, as in T-SQL.
            let (name, next) = delimited(&chars, i + 1, ']').ok_or(ParseError {
                position: start,
                message: "unclosed `[` in a field name".into(),
            })?;
            if name.trim().is_empty() {
                return Err(ParseError {
                    position: start,
                    message: "empty field name `[]`".into(),
                });
            }
            toks.push((Tok::Bracketed(name), start));
            i = next;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i;
            let mut dot = false;
            while j < chars.len() && (chars[j].is_ascii_digit() || (chars[j] == '.' && !dot)) {
                dot |= chars[j] == '.';
                j += 1;
            }
            if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
                let mut k = j + 1;
                if k < chars.len() && (chars[k] == '+' || chars[k] == '-') {
                    k += 1;
                }
                if k < chars.len() && chars[k].is_ascii_digit() {
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            if j < chars.len() && (chars[j].is_alphabetic() || chars[j] == '_') {
                return Err(ParseError {
                    position: j,
                    message: "a number runs into a name; put a space or an operator between them"
                        .into(),
                });
            }
            toks.push((Tok::Num(chars[i..j].iter().collect()), start));
            i = j;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '@' || c == '#' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_alphanumeric()
                    || chars[j] == '_'
                    || chars[j] == '.'
                    || chars[j] == '@'
                    || chars[j] == '#'
                    || chars[j] == '$')
            {
                j += 1;
            }
            toks.push((Tok::Ident(chars[i..j].iter().collect()), start));
            i = j;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym = match two.as_str() {
            "<>" => Some("<>"),
            "!=" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(s) = sym {
            toks.push((Tok::Sym(s), start));
            i += 2;
            continue;
        }
        let one = match c {
            '=' => "=",
            '<' => "<",
            '>' => ">",
            '(' => "(",
            ')' => ")",
            ',' => ",",
            '+' => "+",
            '-' => "-",
            '*' => "*",
            '/' => "/",
            '%' => "%",
            ';' => {
                return Err(ParseError {
                    position: start,
                    message: "`;` is not allowed: a condition is one expression".into(),
                })
            }
            _ => {
                return Err(ParseError {
                    position: start,
                    message: format!("unexpected character `{c}`"),
                })
            }
        };
        if one == "-" && chars.get(i + 1) == Some(&'-') {
            return Err(ParseError {
                position: start,
                message: "comments (`--`) are not allowed".into(),
            });
        }
        if one == "/" && chars.get(i + 1) == Some(&'*') {
            return Err(ParseError {
                position: start,
                message: "comments (`/*`) are not allowed".into(),
            });
        }
        toks.push((Tok::Sym(one), start));
        i += 1;
    }
    toks.push((Tok::End, chars.len()));
    Ok(Lexer { toks })
}

fn continue_string(
    chars: &[char],
    i: &mut usize,
    start: usize,
    toks: &mut Vec<(Tok, usize)>,
) -> Result<(), ParseError> {
    // *i is at the opening quote.
    let (text, next) = delimited(chars, *i + 1, '\'').ok_or(ParseError {
        position: start,
        message: "unclosed string: end it with ' and write a quote inside as ''".into(),
    })?;
    toks.push((Tok::Str(text), start));
    *i = next;
    Ok(())
}

/// The text from `from` up to the closing `close`, where a doubled `close` stands for itself
/// (T-SQL's rule for both `'…'` strings and `[…]` names), and the index just past the closing
/// character; `None` when the input ends first.
fn delimited(chars: &[char], from: usize, close: char) -> Option<(String, usize)> {
    let mut j = from;
    let mut text = String::new();
    loop {
        match *chars.get(j)? {
            c if c == close && chars.get(j + 1) == Some(&close) => {
                text.push(close);
                j += 2;
            }
            c if c == close => return Some((text, j + 1)),
            c => {
                text.push(c);
                j += 1;
            }
        }
    }
}

const RESERVED: &[&str] = &[
    "AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "NULL", "ESCAPE", "SELECT", "FROM", "UNION",
    "EXEC", "EXECUTE", "DROP", "INSERT", "UPDATE", "DELETE",
];

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    /// Parentheses, NOTs, signs and calls open around the current position.
    depth: usize,
}

/// The longest condition or expression read. Every one travels in a request URI, which Caspio
/// caps at [`crate::client::MAX_URI`] characters, so nothing longer could be sent; the cap also
/// bounds how deep an AND/OR chain's tree grows.
pub const MAX_SOURCE_CHARS: usize = crate::client::MAX_URI;

/// How deeply parentheses, NOTs, signs and function calls may nest. The parser recurses once
/// per level, so without a bound `((((...` would overflow the stack and abort the whole server.
pub const MAX_DEPTH: usize = 64;

impl Parser {
    /// A parser at the start of `source`, once it is known to be neither blank (`empty` says
    /// what is missing) nor longer than [`MAX_SOURCE_CHARS`], and lexes.
    fn over(source: &str, empty: &str) -> Result<Parser, ParseError> {
        if source.trim().is_empty() {
            return Err(ParseError {
                position: 0,
                message: empty.into(),
            });
        }
        let chars = source.chars().count();
        if chars > MAX_SOURCE_CHARS {
            return Err(ParseError {
                position: MAX_SOURCE_CHARS,
                message: format!(
                    "the text is {chars} characters; a request URI, which carries it, may have at most {MAX_SOURCE_CHARS}"
                ),
            });
        }
        Ok(Parser {
            toks: lex(source)?.toks,
            pos: 0,
            depth: 0,
        })
    }
}

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

fn show(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Bracketed(s) => format!("`[{s}]`"),
        Tok::Str(s) => format!("the string '{s}'"),
        Tok::Num(n) => format!("the number {n}"),
        Tok::Sym(s) => format!("`{s}`"),
        Tok::End => "the end".into(),
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn at(&self) -> usize {
        self.toks[self.pos].1
    }
    fn bump(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn error(&self, message: &str) -> ParseError {
        ParseError {
            position: self.at(),
            message: message.to_string(),
        }
    }
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.keyword(kw) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Tok::Sym(x) if *x == s) {
            self.bump();
            true
        } else {
            false
        }
    }
    /// Runs `inner` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(&format!(
                "nested more than {MAX_DEPTH} levels deep (parentheses, NOT, signs or calls); write it flatter"
            )));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }
    fn expect_sym(&mut self, s: &str, what: &str) -> Result<(), ParseError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.error(&format!(
                "expected `{s}` {what}, found {}",
                show(self.peek())
            )))
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.not()?;
        while self.eat_keyword("AND") {
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.eat_keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.nested(Self::not)?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, ParseError> {
        if matches!(self.peek(), Tok::Sym("(")) {
            // A parenthesised condition, unless what follows the `)` shows it was a value.
            let save = self.pos;
            self.bump();
            if let Ok(inner) = self.nested(Self::expr) {
                if self.eat_sym(")") {
                    let continues_as_value = matches!(
                        self.peek(),
                        Tok::Sym(
                            "=" | "<>"
                                | "!="
                                | "<"
                                | ">"
                                | "<="
                                | ">="
                                | "+"
                                | "-"
                                | "*"
                                | "/"
                                | "%"
                        )
                    ) || ["LIKE", "IN", "BETWEEN", "IS", "NOT"]
                        .iter()
                        .any(|k| self.keyword(k));
                    if !continues_as_value {
                        return Ok(inner);
                    }
                }
            }
            self.pos = save;
        }
        let left = self.value()?;
        let negated = self.eat_keyword("NOT");
        if self.eat_keyword("LIKE") {
            let pattern = self.value()?;
            let escape = if self.eat_keyword("ESCAPE") {
                match self.bump() {
                    Tok::Str(s) if s.chars().count() == 1 => Some(s),
                    _ => {
                        return Err(
                            self.error("ESCAPE takes a one-character string, e.g. ESCAPE '\\'")
                        )
                    }
                }
            } else {
                None
            };
            return Ok(Expr::Like {
                value: left,
                pattern,
                negated,
                escape,
            });
        }
        if self.eat_keyword("IN") {
            self.expect_sym("(", "after IN")?;
            let mut list = vec![self.value()?];
            while self.eat_sym(",") {
                list.push(self.value()?);
            }
            self.expect_sym(")", "to close the IN list")?;
            return Ok(Expr::In {
                value: left,
                list,
                negated,
            });
        }
        if self.eat_keyword("BETWEEN") {
            let low = self.value()?;
            if !self.eat_keyword("AND") {
                return Err(self.error("BETWEEN needs AND, e.g. Qty BETWEEN 1 AND 5"));
            }
            let high = self.value()?;
            return Ok(Expr::Between {
                value: left,
                low,
                high,
                negated,
            });
        }
        if negated {
            return Err(self.error("NOT here must be followed by LIKE, IN or BETWEEN"));
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(self.error("expected NULL after IS"));
            }
            return Ok(Expr::IsNull {
                value: left,
                negated,
            });
        }
        let op = match self.peek() {
            Tok::Sym("=") => CmpOp::Eq,
            Tok::Sym("<>") | Tok::Sym("!=") => CmpOp::Ne,
            Tok::Sym("<") => CmpOp::Lt,
            Tok::Sym("<=") => CmpOp::Le,
            Tok::Sym(">") => CmpOp::Gt,
            Tok::Sym(">=") => CmpOp::Ge,
            other => {
                return Err(self.error(&format!(
                "expected a comparison (=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL), found {}",
                show(other)
            )))
            }
        };
        self.bump();
        let right = self.value()?;
        Ok(Expr::Compare { left, op, right })
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => ArithOp::Add,
                Tok::Sym("-") => ArithOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.term()?;
            left = Value::Arith(Box::new(left), op, Box::new(right));
        }
    }

    fn term(&mut self) -> Result<Value, ParseError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => ArithOp::Mul,
                Tok::Sym("/") => ArithOp::Div,
                Tok::Sym("%") => ArithOp::Mod,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.unary()?;
            left = Value::Arith(Box::new(left), op, Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Value, ParseError> {
        let here = self.at();
        match self.bump() {
            Tok::Sym("-") => Ok(Value::Neg(Box::new(self.nested(Self::unary)?))),
            Tok::Sym("(") => {
                let v = self.nested(Self::value)?;
                self.expect_sym(")", "to close the parenthesis")?;
                Ok(v)
            }
            Tok::Num(n) => Ok(Value::Number(n)),
            Tok::Str(s) => Ok(Value::Str(s)),
            Tok::Bracketed(name) => Ok(Value::Field(name)),
            Tok::Ident(name) if name.eq_ignore_ascii_case("NULL") => Ok(Value::Null),
            Tok::Ident(name) => {
                if matches!(self.peek(), Tok::Sym("(")) {
                    self.bump();
                    let mut args = Vec::new();
                    if !self.eat_sym(")") {
                        args.push(self.nested(Self::value)?);
                        while self.eat_sym(",") {
                            args.push(self.nested(Self::value)?);
                        }
                        self.expect_sym(")", "to close the function call")?;
                    }
                    return Ok(Value::Call(name.to_ascii_uppercase(), args));
                }
                if RESERVED.iter().any(|k| name.eq_ignore_ascii_case(k)) {
                    return Err(ParseError {
                        position: here,
                        message: format!(
                            "expected a value, found the keyword {}",
                            name.to_uppercase()
                        ),
                    });
                }
                Ok(Value::Field(name))
            }
            Tok::End => Err(ParseError {
                position: here,
                message: "the condition ends too early; a value is missing".into(),
            }),
            other => Err(ParseError {
                position: here,
                message: format!(
                    "expected a value (a field, 'text', a number or NULL), found {}",
                    show(&other)
                ),
            }),
        }
    }
}

impl Expr {
    /// Every field the condition names, in order of appearance.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk_values(&mut |v| {
            if let Value::Field(f) = v {
                out.push(f.as_str());
            }
        });
        out
    }

    fn walk_values<'a>(&'a self, f: &mut impl FnMut(&'a Value)) {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk_values(f);
                b.walk_values(f);
            }
            Expr::Not(e) => e.walk_values(f),
            Expr::Compare { left, right, .. } => {
                left.walk(f);
                right.walk(f);
            }
            Expr::Like { value, pattern, .. } => {
                value.walk(f);
                pattern.walk(f);
            }
            Expr::In { value, list, .. } => {
                value.walk(f);
                list.iter().for_each(|v| v.walk(f));
            }
            Expr::Between {
                value, low, high, ..
            } => {
                value.walk(f);
                low.walk(f);
                high.walk(f);
            }
            Expr::IsNull { value, .. } => value.walk(f),
        }
    }
}

impl Value {
    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Value)) {
        f(self);
        match self {
            Value::Call(_, args) => args.iter().for_each(|a| a.walk(f)),
            Value::Neg(v) => v.walk(f),
            Value::Arith(a, _, b) => {
                a.walk(f);
                b.walk(f);
            }
            _ => {}
        }
    }
}

/// Quotes text as a T-SQL Unicode string literal: `N'O''Brien'`.
pub fn quote(text: &str) -> String {
    format!("N'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
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
}
