//! The recursive-descent parser, bounded in depth.

use crate::ast::{ArithOp, CmpOp, Expr, Value};
use crate::error::ParseError;
use crate::lexer::{lex, Tok};
use crate::{MAX_DEPTH, MAX_SOURCE_CHARS};

const RESERVED: &[&str] = &[
    "AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "NULL", "ESCAPE", "SELECT", "FROM", "UNION",
    "EXEC", "EXECUTE", "DROP", "INSERT", "UPDATE", "DELETE",
];

pub(crate) struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    /// Parentheses, NOTs, signs and calls open around the current position.
    depth: usize,
}

impl Parser {
    /// A parser at the start of `source`, once it is known to be neither blank (`empty` says
    /// what is missing) nor longer than [`MAX_SOURCE_CHARS`], and lexes.
    pub(crate) fn over(source: &str, empty: &str) -> Result<Parser, ParseError> {
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

pub(crate) fn show(t: &Tok) -> String {
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
    pub(crate) fn peek(&self) -> &Tok {
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
    pub(crate) fn error(&self, message: &str) -> ParseError {
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

    pub(crate) fn expr(&mut self) -> Result<Expr, ParseError> {
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

    pub(crate) fn value(&mut self) -> Result<Value, ParseError> {
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
