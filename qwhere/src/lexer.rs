//! Splits a condition into tokens: names, `[bracketed names]`, strings, numbers, symbols.

use crate::error::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Bracketed(String),
    Str(String),
    Num(String),
    Sym(&'static str),
    End,
}

pub(crate) struct Lexer {
    pub(crate) toks: Vec<(Tok, usize)>,
}

pub(crate) fn lex(src: &str) -> Result<Lexer, ParseError> {
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
