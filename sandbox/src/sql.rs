//! Compiling Caspio query parameters to SQLite: `q.where` (via the shared parser in
//! `caspio_qwhere`), `q.select`, `q.orderBy` and `q.groupBy`. Field names are resolved against
//! the table's fields (case-insensitively, as Caspio does) and quoted; every literal becomes a
//! bound parameter. Nothing a request says is ever spliced into SQL text.

use super::error::{CaspioError, Result};
use caspio_qwhere::{self as qwhere, Expr, Value};
use rusqlite::types::Value as Sql;

/// The columns a query may name: (name as Caspio spells it, SQL expression).
pub struct Columns {
    /// Readable columns.
    pub readable: Vec<(String, String)>,
    /// Names that exist but may not be used in queries (password fields), lower-cased.
    pub forbidden: Vec<String>,
    /// What the caller is querying, for messages.
    pub object: String,
    /// YES/NO fields (SQL Server `bit` columns), lower-cased: text compared with them is
    /// converted as SQL Server converts it.
    pub booleans: Vec<String>,
}

impl Columns {
    fn resolve(&self, name: &str) -> Result<String> {
        if self.forbidden.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            return Err(CaspioError::query(format!(
                "Password field '{name}' cannot be used in queries"
            )));
        }
        self.readable
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, sql)| sql.clone())
            .ok_or_else(|| {
                CaspioError::sql(format!("Invalid column name '{name}' in {}.", self.object))
            })
    }
}

/// A compiled fragment and its parameters.
pub struct Compiled {
    /// SQL text with `?` placeholders.
    pub sql: String,
    /// Bound values, in order.
    pub params: Vec<Sql>,
}

/// Compiles a `q.where` condition.
pub fn where_clause(source: &str, columns: &Columns) -> Result<Compiled> {
    let mut expr = qwhere::parse(source).map_err(|e| CaspioError::query(e.to_string()))?;
    convert_bits(&mut expr, columns)?;
    let mut params = Vec::new();
    let sql = expr_sql(&expr, columns, &mut params, false)?;
    Ok(Compiled { sql, params })
}

fn expr_sql(e: &Expr, c: &Columns, p: &mut Vec<Sql>, aggregates: bool) -> Result<String> {
    Ok(match e {
        Expr::And(a, b) => format!(
            "({} AND {})",
            expr_sql(a, c, p, aggregates)?,
            expr_sql(b, c, p, aggregates)?
        ),
        Expr::Or(a, b) => format!(
            "({} OR {})",
            expr_sql(a, c, p, aggregates)?,
            expr_sql(b, c, p, aggregates)?
        ),
        Expr::Not(a) => format!("(NOT {})", expr_sql(a, c, p, aggregates)?),
        Expr::Compare { left, op, right } => {
            let op = op.symbol();
            format!(
                "({} {op} {})",
                value_sql(left, c, p, aggregates)?,
                value_sql(right, c, p, aggregates)?
            )
        }
        Expr::Like {
            value,
            pattern,
            negated,
            escape,
        } => {
            let mut s = format!(
                "({} {}LIKE {}",
                value_sql(value, c, p, aggregates)?,
                if *negated { "NOT " } else { "" },
                value_sql(pattern, c, p, aggregates)?
            );
            if let Some(esc) = escape {
                p.push(Sql::Text(esc.clone()));
                s.push_str(" ESCAPE ?");
            }
            s.push(')');
            s
        }
        Expr::In {
            value,
            list,
            negated,
        } => {
            // Parameters are pushed in the order their placeholders appear: the value, then the list.
            let v = value_sql(value, c, p, aggregates)?;
            let items = list
                .iter()
                .map(|x| value_sql(x, c, p, aggregates))
                .collect::<Result<Vec<_>>>()?;
            format!(
                "({v} {}IN ({}))",
                if *negated { "NOT " } else { "" },
                items.join(", ")
            )
        }
        Expr::Between {
            value,
            low,
            high,
            negated,
        } => format!(
            "({} {}BETWEEN {} AND {})",
            value_sql(value, c, p, aggregates)?,
            if *negated { "NOT " } else { "" },
            value_sql(low, c, p, aggregates)?,
            value_sql(high, c, p, aggregates)?
        ),
        Expr::IsNull { value, negated } => {
            format!(
                "({} IS {}NULL)",
                value_sql(value, c, p, aggregates)?,
                if *negated { "NOT " } else { "" }
            )
        }
    })
}

/// SQL Server's implicit conversion of text to `bit`: 'true' and 'false' (any case) and '1'/'0'
/// convert; other text fails the whole query, naming the value.
fn to_bit(text: &str) -> Result<Value> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(Value::Number("1".into())),
        "false" | "0" => Ok(Value::Number("0".into())),
        _ => Err(CaspioError::sql(format!(
            "Conversion failed when converting the varchar value '{text}' to data type bit."
        ))),
    }
}

/// Whether a value is a YES/NO field.
fn is_bit(v: &Value, c: &Columns) -> bool {
    matches!(v, Value::Field(f) if c.booleans.iter().any(|b| b.eq_ignore_ascii_case(f)))
}

/// Converts the text a YES/NO field is compared with, as SQL Server does: `In_Stock = 'false'`
/// selects the rows where it is 0, instead of silently matching none.
fn convert_bits(e: &mut Expr, c: &Columns) -> Result<()> {
    let convert = |v: &mut Value| -> Result<()> {
        if let Value::Str(text) = v {
            *v = to_bit(text)?;
        }
        Ok(())
    };
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            convert_bits(a, c)?;
            convert_bits(b, c)
        }
        Expr::Not(a) => convert_bits(a, c),
        Expr::Compare { left, right, .. } => {
            if is_bit(left, c) {
                convert(right)?;
            }
            if is_bit(right, c) {
                convert(left)?;
            }
            Ok(())
        }
        Expr::In { value, list, .. } if is_bit(value, c) => list.iter_mut().try_for_each(convert),
        Expr::Between {
            value, low, high, ..
        } if is_bit(value, c) => {
            convert(low)?;
            convert(high)
        }
        _ => Ok(()),
    }
}

const ISO: &str = "'%Y-%m-%dT%H:%M:%S'";

fn value_sql(v: &Value, c: &Columns, p: &mut Vec<Sql>, aggregates: bool) -> Result<String> {
    Ok(match v {
        Value::Field(name) => c.resolve(name)?,
        Value::Str(s) => {
            p.push(Sql::Text(s.clone()));
            "?".into()
        }
        Value::Number(n) => {
            if let Ok(i) = n.parse::<i64>() {
                p.push(Sql::Integer(i));
            } else {
                let f = n
                    .parse::<f64>()
                    .map_err(|_| CaspioError::query(format!("'{n}' is not a number")))?;
                p.push(Sql::Real(f));
            }
            "?".into()
        }
        Value::Null => "NULL".into(),
        Value::Neg(inner) => format!("(-{})", value_sql(inner, c, p, aggregates)?),
        Value::Arith(a, op, b) => {
            let op = op.symbol();
            format!(
                "({} {op} {})",
                value_sql(a, c, p, aggregates)?,
                value_sql(b, c, p, aggregates)?
            )
        }
        Value::Call(name, args) => call_sql(name, args, c, p, aggregates)?,
    })
}

fn date_part(v: &Value) -> Result<&'static str> {
    let Value::Field(part) = v else {
        return Err(CaspioError::query(
            "the date part must be a name such as day",
        ));
    };
    Ok(match part.to_ascii_lowercase().as_str() {
        "year" | "yy" | "yyyy" => "years",
        "month" | "mm" | "m" => "months",
        "day" | "dd" | "d" | "dayofyear" | "dy" | "y" => "days",
        "week" | "wk" | "ww" => "weeks",
        "hour" | "hh" => "hours",
        "minute" | "mi" | "n" => "minutes",
        "second" | "ss" | "s" => "seconds",
        other => {
            return Err(CaspioError::query(format!(
                "unsupported date part '{other}'"
            )))
        }
    })
}

fn call_sql(
    name: &str,
    args: &[Value],
    c: &Columns,
    p: &mut Vec<Sql>,
    aggregates: bool,
) -> Result<String> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(CaspioError::query(format!(
                "{name} takes {n} argument(s), got {}",
                args.len()
            )))
        }
    };
    let arg = |i: usize, p: &mut Vec<Sql>| value_sql(&args[i], c, p, aggregates);
    Ok(match name {
        "GETDATE" | "GETUTCDATE" | "SYSDATETIME" | "SYSUTCDATETIME" | "CURRENT_TIMESTAMP" => {
            arity(0)?;
            format!("strftime({ISO}, 'now')")
        }
        "DATEADD" => {
            arity(3)?;
            let unit = date_part(&args[0])?;
            let (unit, scale) = if unit == "weeks" {
                ("days", 7)
            } else {
                (unit, 1)
            };
            let n = arg(1, p)?;
            let d = arg(2, p)?;
            format!("strftime({ISO}, {d}, (({n}) * {scale}) || ' {unit}')")
        }
        "DATEDIFF" => {
            arity(3)?;
            let unit = date_part(&args[0])?;
            let a = arg(1, p)?;
            let b = arg(2, p)?;
            let days = format!("(julianday({b}) - julianday({a}))");
            match unit {
                "days" => format!("CAST({days} AS INTEGER)"),
                "weeks" => format!("CAST({days} / 7 AS INTEGER)"),
                "hours" => format!("CAST({days} * 24 AS INTEGER)"),
                "minutes" => format!("CAST({days} * 1440 AS INTEGER)"),
                "seconds" => format!("CAST({days} * 86400 AS INTEGER)"),
                "months" => format!("((CAST(strftime('%Y', {b}) AS INTEGER) - CAST(strftime('%Y', {a}) AS INTEGER)) * 12 + CAST(strftime('%m', {b}) AS INTEGER) - CAST(strftime('%m', {a}) AS INTEGER))"),
                _ => format!("(CAST(strftime('%Y', {b}) AS INTEGER) - CAST(strftime('%Y', {a}) AS INTEGER))"),
            }
        }
        "YEAR" | "MONTH" | "DAY" => {
            arity(1)?;
            let f = match name {
                "YEAR" => "%Y",
                "MONTH" => "%m",
                _ => "%d",
            };
            format!("CAST(strftime('{f}', {}) AS INTEGER)", arg(0, p)?)
        }
        "UPPER" | "LOWER" | "LTRIM" | "RTRIM" | "ABS" | "TRIM" => {
            arity(1)?;
            format!("{name}({})", arg(0, p)?)
        }
        "LEN" => {
            arity(1)?;
            format!("LENGTH(RTRIM({}))", arg(0, p)?)
        }
        "ISNULL" | "COALESCE" => {
            if args.len() < 2 {
                return Err(CaspioError::query(format!(
                    "{name} takes at least 2 arguments"
                )));
            }
            let items = (0..args.len())
                .map(|i| arg(i, p))
                .collect::<Result<Vec<_>>>()?;
            format!("COALESCE({})", items.join(", "))
        }
        "ROUND" => {
            arity(2)?;
            let a = arg(0, p)?;
            let b = arg(1, p)?;
            format!("ROUND({a}, {b})")
        }
        "SUM" | "AVG" | "MIN" | "MAX" | "COUNT" if aggregates => {
            arity(1)?;
            format!("{name}({})", arg(0, p)?)
        }
        "SUM" | "AVG" | "MIN" | "MAX" | "COUNT" => {
            return Err(CaspioError::query(format!(
                "{name} is an aggregate: use it in q.select, not here"
            )))
        }
        other => {
            return Err(CaspioError::query(format!(
                "function {other} is not supported"
            )))
        }
    })
}

/// A compiled select list: SQL items and the names the answer uses.
pub struct Select {
    /// `expr AS "name"` items.
    pub sql: Vec<String>,
    /// Parameters of the items.
    pub params: Vec<Sql>,
    /// Output names, in order.
    pub names: Vec<String>,
}

/// Compiles `q.select`; empty or `*` means every readable column.
pub fn select(source: Option<&str>, columns: &Columns) -> Result<Select> {
    let text = source.map(str::trim).unwrap_or("");
    let mut out = Select {
        sql: vec![],
        params: vec![],
        names: vec![],
    };
    if text.is_empty() || text == "*" {
        for (name, sql) in &columns.readable {
            out.sql
                .push(format!("{sql} AS {}", super::db::column(name)));
            out.names.push(name.clone());
        }
        return Ok(out);
    }
    for (offset, item) in qwhere::split_list(text) {
        let item = item.trim();
        if item == "*" {
            for (name, sql) in &columns.readable {
                out.sql
                    .push(format!("{sql} AS {}", super::db::column(name)));
                out.names.push(name.clone());
            }
            continue;
        }
        let (expr_text, alias) = split_alias(item);
        let upper = expr_text.replace(' ', "").to_ascii_uppercase();
        let (sql, default_name) = if upper == "COUNT(*)" {
            ("COUNT(*)".to_string(), "COUNT".to_string())
        } else {
            let value = qwhere::parse_value(expr_text).map_err(|e| {
                CaspioError::query(format!(
                    "q.select item at character {}: {}",
                    offset + e.position + 1,
                    e.message
                ))
            })?;
            let name = match &value {
                Value::Field(f) => columns
                    .readable
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(f))
                    .map(|(n, _)| n.clone())
                    .unwrap_or(f.clone()),
                Value::Call(n, _) => n.clone(),
                _ => format!("Column{}", out.names.len() + 1),
            };
            (value_sql(&value, columns, &mut out.params, true)?, name)
        };
        let name = alias.map(str::to_string).unwrap_or(default_name);
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(CaspioError::query(format!(
                "invalid alias '{name}' in q.select"
            )));
        }
        out.sql
            .push(format!("{sql} AS {}", super::db::column(&name)));
        out.names.push(name);
    }
    Ok(out)
}

/// `expr AS alias` → (expr, alias); the alias must be a plain name.
fn split_alias(item: &str) -> (&str, Option<&str>) {
    let lower = item.to_ascii_lowercase();
    if let Some(i) = lower.rfind(" as ") {
        let alias = item[i + 4..].trim();
        if !alias.contains(['\'', ')', '(']) {
            return (item[..i].trim(), Some(alias.trim_matches(['[', ']'])));
        }
    }
    (item, None)
}

/// Compiles `q.orderBy`: items `expr [ASC|DESC]`. Output aliases of the select list may be used.
pub fn order_by(
    source: &str,
    columns: &Columns,
    select: &Select,
    params: &mut Vec<Sql>,
) -> Result<String> {
    let mut items = Vec::new();
    for (_, item) in qwhere::split_list(source) {
        let item = item.trim();
        if item.is_empty() {
            return Err(CaspioError::query("empty item in q.orderBy"));
        }
        let lower = item.to_ascii_lowercase();
        let (expr, dir) = if lower.ends_with(" desc") {
            (&item[..item.len() - 5], "DESC")
        } else if lower.ends_with(" asc") {
            (&item[..item.len() - 4], "ASC")
        } else {
            (item, "ASC")
        };
        let expr = expr.trim();
        if let Some(alias) = select.names.iter().find(|n| n.eq_ignore_ascii_case(expr)) {
            if !columns
                .readable
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(expr))
            {
                items.push(format!("{} {dir}", super::db::column(alias)));
                continue;
            }
        }
        let value = qwhere::parse_value(expr)
            .map_err(|e| CaspioError::query(format!("q.orderBy: {}", e.message)))?;
        items.push(format!(
            "{} {dir}",
            value_sql(&value, columns, params, true)?
        ));
    }
    Ok(items.join(", "))
}

/// Compiles `q.groupBy`.
pub fn group_by(source: &str, columns: &Columns, params: &mut Vec<Sql>) -> Result<String> {
    let mut items = Vec::new();
    for (_, item) in qwhere::split_list(source) {
        let value = qwhere::parse_value(item.trim())
            .map_err(|e| CaspioError::query(format!("q.groupBy: {}", e.message)))?;
        items.push(value_sql(&value, columns, params, false)?);
    }
    Ok(items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Columns {
        Columns {
            readable: vec![
                ("PK_ID".into(), "\"PK_ID\"".into()),
                ("Status".into(), "\"Status\"".into()),
                ("Qty".into(), "\"Qty\"".into()),
                ("Paid".into(), "\"Paid\"".into()),
            ],
            forbidden: vec!["secret".into()],
            object: "table 'T'".into(),
            booleans: vec!["paid".into()],
        }
    }

    #[test]
    fn text_compared_with_a_yes_no_field_converts_as_sql_server_converts_it() {
        // (condition, the bound values)
        let cases = [
            ("Paid = 'false'", vec![Sql::Integer(0)]),
            ("'TRUE' = paid", vec![Sql::Integer(1)]),
            ("Paid <> '1'", vec![Sql::Integer(1)]),
            (
                "Paid IN ('true', '0')",
                vec![Sql::Integer(1), Sql::Integer(0)],
            ),
            (
                "Paid = 0 AND Status = 'false'",
                vec![Sql::Integer(0), Sql::Text("false".into())],
            ),
        ];
        for (condition, params) in cases {
            assert_eq!(
                where_clause(condition, &cols()).unwrap().params,
                params,
                "{condition}"
            );
        }
        let err = where_clause("Paid = 'no'", &cols()).err().unwrap();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                "SqlServerError",
                "Conversion failed when converting the varchar value 'no' to data type bit."
            )
        );
    }

    #[test]
    fn literals_become_parameters() {
        let c = where_clause("status = 'x'' OR 1=1 --' AND Qty IN (1, 2.5)", &cols()).unwrap();
        assert_eq!(c.sql, "((\"Status\" = ?) AND (\"Qty\" IN (?, ?)))");
        assert_eq!(
            c.params,
            vec![
                Sql::Text("x' OR 1=1 --".into()),
                Sql::Integer(1),
                Sql::Real(2.5)
            ]
        );
    }

    #[test]
    fn in_keeps_parameter_order() {
        let c = where_clause("Qty + 1 IN (2, 3) AND Status = 'a'", &cols()).unwrap();
        assert_eq!(
            c.params,
            vec![
                Sql::Integer(1),
                Sql::Integer(2),
                Sql::Integer(3),
                Sql::Text("a".into())
            ]
        );
    }

    #[test]
    fn unknown_and_password_fields_are_refused() {
        assert_eq!(
            where_clause("Nope = 1", &cols()).err().unwrap().code,
            "SqlServerError"
        );
        assert!(where_clause("Secret = 'a'", &cols())
            .err()
            .unwrap()
            .message
            .contains("Password field"));
        assert!(where_clause("Status = ", &cols())
            .err()
            .unwrap()
            .message
            .contains("q.where syntax error"));
    }

    #[test]
    fn select_items_and_aliases() {
        let s = select(Some("Status, COUNT(*) AS n, SUM(Qty) total"), &cols());
        assert!(s.is_err(), "an alias without AS is not accepted");
        let s = select(Some("status, COUNT(*) AS n, SUM(Qty) AS total"), &cols()).unwrap();
        assert_eq!(s.names, vec!["Status", "n", "total"]);
        assert!(select(Some("Qty; DROP TABLE x"), &cols()).is_err());
    }
}
