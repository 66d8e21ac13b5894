//! Expression text → syntax tree, with character offsets for every node.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! expr    := 'if' expr 'then' expr 'else' expr | or
//! or      := and (('||' | 'or') and)*
//! and     := cmp (('&&' | 'and') cmp)*
//! cmp     := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
//! sum     := product (('+' | '-') product)*
//! product := unary (('*' | '/') unary)*
//! unary   := ('-' | '!' | 'not') unary | power
//! power   := atom ('^' unary)?
//! atom    := number | string | 'true' | 'false' | path | name '(' args ')' | '(' expr ')'
//! path    := name ('.' name)*
//! ```

/// Longest expression accepted, in bytes.
pub const MAX_EXPR_BYTES: usize = 4096;
/// Deepest nesting of an expression accepted.
pub const MAX_EXPR_DEPTH: usize = 64;

/// A syntax tree node with the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Character offset of the node's first character in the expression text.
    pub at: usize,
    /// What the node is.
    pub kind: ExprKind,
}

/// The kinds of expression nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// A quoted string.
    Str(String),
    /// A dotted name such as `severity` or `member.alignment`.
    Path(Vec<String>),
    /// A function call.
    Call(String, Vec<Expr>),
    /// A unary operator.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operator.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `&&`
    And,
    /// `||`
    Or,
}

impl BinaryOp {
    /// The operator as written.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }
}

/// A syntax error at a character offset.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprSyntaxError {
    /// Character offset of the problem.
    pub at: usize,
    /// What is wrong.
    pub message: String,
    /// What would have been accepted.
    pub expected: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Name(String),
    Sym(&'static str),
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("the number {n}"),
            Tok::Str(s) => format!("the string \"{s}\""),
            Tok::Name(n) => format!("'{n}'"),
            Tok::Sym(s) => format!("'{s}'"),
            Tok::End => "the end of the expression".into(),
        }
    }
}

const SYMBOLS: [&str; 20] =
    ["&&", "||", "<=", ">=", "==", "!=", "(", ")", ",", ".", "+", "-", "*", "/", "^", "<", ">", "!", "=", "&"];

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, ExprSyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let literal: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let value: f64 = literal.parse().map_err(|_| ExprSyntaxError {
                at: start,
                message: format!("'{literal}' is not a number"),
                expected: Some("a number such as 0.5, 3600 or 1e-3".into()),
            })?;
            out.push((start, Tok::Num(value)));
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((start, Tok::Name(chars[start..i].iter().collect())));
        } else if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            if i >= chars.len() {
                return Err(ExprSyntaxError {
                    at: start,
                    message: "this string is never closed".into(),
                    expected: Some(format!("a closing {c}")),
                });
            }
            out.push((start, Tok::Str(chars[start + 1..i].iter().collect())));
            i += 1;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) else {
                return Err(ExprSyntaxError {
                    at: start,
                    message: format!("unexpected character '{c}'"),
                    expected: Some("a name, a number, a string or an operator".into()),
                });
            };
            if *sym == "=" || *sym == "&" {
                let fix = if *sym == "=" { "==" } else { "&&" };
                return Err(ExprSyntaxError {
                    at: start,
                    message: format!("'{sym}' is not an operator here"),
                    expected: Some(format!("'{fix}'")),
                });
            }
            i += sym.chars().count();
            out.push((start, Tok::Sym(sym)));
        }
    }
    out.push((chars.len(), Tok::End));
    Ok(out)
}

/// Parses expression text into a tree.
pub fn parse(text: &str) -> Result<Expr, ExprSyntaxError> {
    if text.len() > MAX_EXPR_BYTES {
        return Err(ExprSyntaxError {
            at: 0,
            message: format!("expression is {} bytes long, more than the limit of {MAX_EXPR_BYTES}", text.len()),
            expected: Some("a shorter expression (split it into crisis variables)".into()),
        });
    }
    let tokens = lex(text)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    let expr = parser.expr()?;
    let (at, tok) = parser.peek();
    if tok != Tok::End {
        return Err(ExprSyntaxError {
            at,
            message: format!("unexpected {} after a complete expression", tok.describe()),
            expected: Some("an operator or the end of the expression".into()),
        });
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> (usize, Tok) {
        self.tokens.get(self.pos).cloned().unwrap_or((0, Tok::End))
    }

    fn next(&mut self) -> (usize, Tok) {
        let t = self.peek();
        self.pos += 1;
        t
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if self.peek().1 == Tok::Sym(sym_static(sym)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(&self.peek().1, Tok::Name(n) if n == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<(), ExprSyntaxError> {
        if self.eat_word(word) {
            return Ok(());
        }
        let (at, tok) = self.peek();
        Err(ExprSyntaxError {
            at,
            message: format!("found {} where '{word}' belongs", tok.describe()),
            expected: Some(format!("'{word}' (if … then … else …)")),
        })
    }

    /// One more level of recursion; a parenthesised level costs two (an
    /// expression and its operand), so the limit is `MAX_EXPR_DEPTH` levels.
    fn enter(&mut self, at: usize) -> Result<(), ExprSyntaxError> {
        self.depth += 1;
        if self.depth > 2 * MAX_EXPR_DEPTH {
            return Err(ExprSyntaxError {
                at,
                message: format!("expression nests more than {MAX_EXPR_DEPTH} levels deep"),
                expected: Some("a flatter expression".into()),
            });
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ExprSyntaxError> {
        let at = self.peek().0;
        self.enter(at)?;
        let result = if self.eat_word("if") {
            let cond = self.expr()?;
            self.expect_word("then")?;
            let then = self.expr()?;
            self.expect_word("else")?;
            let otherwise = self.expr()?;
            Ok(Expr { at, kind: ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise)) })
        } else {
            self.or()
        };
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Expr, ExprSyntaxError> {
        let mut left = self.and()?;
        while self.eat_sym("||") || self.eat_word("or") {
            let right = self.and()?;
            left = binary(BinaryOp::Or, left, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprSyntaxError> {
        let mut left = self.cmp()?;
        while self.eat_sym("&&") || self.eat_word("and") {
            let right = self.cmp()?;
            left = binary(BinaryOp::And, left, right);
        }
        Ok(left)
    }

    fn cmp(&mut self) -> Result<Expr, ExprSyntaxError> {
        let left = self.sum()?;
        let op = match self.peek().1 {
            Tok::Sym("<") => BinaryOp::Lt,
            Tok::Sym("<=") => BinaryOp::Le,
            Tok::Sym(">") => BinaryOp::Gt,
            Tok::Sym(">=") => BinaryOp::Ge,
            Tok::Sym("==") => BinaryOp::Eq,
            Tok::Sym("!=") => BinaryOp::Ne,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.sum()?;
        if let (at, Tok::Sym(s @ ("<" | "<=" | ">" | ">=" | "==" | "!="))) = self.peek() {
            return Err(ExprSyntaxError {
                at,
                message: format!("comparisons cannot be chained ('{s}' after a comparison)"),
                expected: Some("'&&' between two comparisons, as in 0 < x && x < 1".into()),
            });
        }
        Ok(binary(op, left, right))
    }

    fn sum(&mut self) -> Result<Expr, ExprSyntaxError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().1 {
                Tok::Sym("+") => BinaryOp::Add,
                Tok::Sym("-") => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.product()?;
            left = binary(op, left, right);
        }
    }

    fn product(&mut self) -> Result<Expr, ExprSyntaxError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().1 {
                Tok::Sym("*") => BinaryOp::Mul,
                Tok::Sym("/") => BinaryOp::Div,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.unary()?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprSyntaxError> {
        let at = self.peek().0;
        self.enter(at)?;
        let result = if self.eat_sym("-") {
            self.unary().map(|e| Expr { at, kind: ExprKind::Unary(UnaryOp::Neg, Box::new(e)) })
        } else if self.eat_sym("!") || self.eat_word("not") {
            self.unary().map(|e| Expr { at, kind: ExprKind::Unary(UnaryOp::Not, Box::new(e)) })
        } else {
            self.power()
        };
        self.depth -= 1;
        result
    }

    fn power(&mut self) -> Result<Expr, ExprSyntaxError> {
        let base = self.atom()?;
        if self.eat_sym("^") {
            let exponent = self.unary()?;
            return Ok(binary(BinaryOp::Pow, base, exponent));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr, ExprSyntaxError> {
        let (at, tok) = self.next();
        let kind = match tok {
            Tok::Num(n) => ExprKind::Num(n),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::Name(n) if n == "true" => ExprKind::Bool(true),
            Tok::Name(n) if n == "false" => ExprKind::Bool(false),
            // π, unless the name is called or followed by a field.
            Tok::Name(n) if n == "pi" && ![Tok::Sym("("), Tok::Sym(".")].contains(&self.peek().1) => {
                ExprKind::Num(std::f64::consts::PI)
            }
            Tok::Name(n) if matches!(n.as_str(), "then" | "else" | "and" | "or") => {
                return Err(ExprSyntaxError {
                    at,
                    message: format!("'{n}' cannot start a value"),
                    expected: Some("a value: a number, a name, a string or '('".into()),
                });
            }
            Tok::Name(n) => {
                if self.eat_sym("(") {
                    ExprKind::Call(n, self.args()?)
                } else {
                    let mut path = vec![n];
                    while self.eat_sym(".") {
                        match self.next() {
                            (_, Tok::Name(part)) => path.push(part),
                            (at, tok) => {
                                return Err(ExprSyntaxError {
                                    at,
                                    message: format!("found {} after '.'", tok.describe()),
                                    expected: Some("a field name, as in member.alignment".into()),
                                });
                            }
                        }
                    }
                    ExprKind::Path(path)
                }
            }
            Tok::Sym("(") => {
                let inner = self.expr()?;
                if !self.eat_sym(")") {
                    let (at2, tok2) = self.peek();
                    return Err(ExprSyntaxError {
                        at: at2,
                        message: format!(
                            "found {} where ')' should close the '(' at column offset {}",
                            tok2.describe(),
                            at + 1
                        ),
                        expected: Some("')'".into()),
                    });
                }
                return Ok(Expr { at, kind: inner.kind });
            }
            tok => {
                return Err(ExprSyntaxError {
                    at,
                    message: format!("found {} where a value belongs", tok.describe()),
                    expected: Some("a value: a number, a name, a string or '('".into()),
                });
            }
        };
        Ok(Expr { at, kind })
    }

    fn args(&mut self) -> Result<Vec<Expr>, ExprSyntaxError> {
        let mut args = Vec::new();
        if self.eat_sym(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat_sym(")") {
                return Ok(args);
            }
            if !self.eat_sym(",") {
                let (at, tok) = self.peek();
                return Err(ExprSyntaxError {
                    at,
                    message: format!("found {} in a list of arguments", tok.describe()),
                    expected: Some("',' or ')'".into()),
                });
            }
        }
    }
}

fn sym_static(sym: &str) -> &'static str {
    SYMBOLS.iter().find(|s| **s == sym).copied().unwrap_or("")
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr { at: left.at, kind: ExprKind::Binary(op, Box::new(left), Box::new(right)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_multiplication_tighter_than_addition() {
        let e = parse("1 + 2 * 3").expect("parses");
        assert!(matches!(e.kind, ExprKind::Binary(BinaryOp::Add, _, _)));
    }

    #[test]
    fn reports_unbalanced_parenthesis_at_the_end() {
        let err = parse("(severity > 0.5").expect_err("fails");
        assert_eq!(err.at, 15);
    }

    #[test]
    fn refuses_deep_nesting() {
        let text = "(".repeat(100) + "1" + &")".repeat(100);
        assert!(parse(&text).is_err());
    }
}
