//! The syntax tree of a condition, and what the guard and the sandbox ask of it.

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
