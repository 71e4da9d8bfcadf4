//! The token types of Prometheus 3.14's PromQL lexer (`lex.go`'s `ItemType`, `key`,
//! `ItemTypeStr`), with how an error message shows a token (`Item.desc()`).
#![allow(non_camel_case_types, clippy::upper_case_acronyms)]

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemType {
    EQL,
    COLON,
    COMMA,
    COMMENT,
    DURATION,
    EOF,
    ERROR,
    IDENTIFIER,
    LEFT_BRACE,
    LEFT_BRACKET,
    LEFT_PAREN,
    METRIC_IDENTIFIER,
    NUMBER,
    RIGHT_BRACE,
    RIGHT_BRACKET,
    RIGHT_PAREN,
    STRING,
    // operators
    ADD,
    DIV,
    EQLC,
    EQL_REGEX,
    GTE,
    GTR,
    TRIM_UPPER,
    TRIM_LOWER,
    LAND,
    LOR,
    LSS,
    LTE,
    LUNLESS,
    MOD,
    MUL,
    NEQ,
    NEQ_REGEX,
    POW,
    SUB,
    AT,
    ATAN2,
    // aggregators
    AVG,
    BOTTOMK,
    COUNT,
    COUNT_VALUES,
    GROUP,
    MAX,
    MIN,
    QUANTILE,
    STDDEV,
    STDVAR,
    SUM,
    TOPK,
    LIMITK,
    LIMIT_RATIO,
    // keywords
    BOOL,
    BY,
    GROUP_LEFT,
    GROUP_RIGHT,
    FILL,
    FILL_LEFT,
    FILL_RIGHT,
    IGNORING,
    OFFSET,
    SMOOTHED,
    ANCHORED,
    ON,
    WITHOUT,
    // preprocessors
    START,
    END,
    STEP,
    RANGE,
    MAX_OF,
    MIN_OF,
}

use ItemType::*;

/// The word's token when it is a keyword, operator, aggregator or preprocessor (any case), or
/// `NUMBER` for `inf`/`nan`.
pub fn keyword(word: &str) -> Option<ItemType> {
    if word.len() > 12 {
        return None;
    }
    let mut buf = [0u8; 12];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"and" => LAND,
        b"or" => LOR,
        b"unless" => LUNLESS,
        b"atan2" => ATAN2,
        b"sum" => SUM,
        b"avg" => AVG,
        b"count" => COUNT,
        b"min" => MIN,
        b"max" => MAX,
        b"group" => GROUP,
        b"stddev" => STDDEV,
        b"stdvar" => STDVAR,
        b"topk" => TOPK,
        b"bottomk" => BOTTOMK,
        b"count_values" => COUNT_VALUES,
        b"quantile" => QUANTILE,
        b"limitk" => LIMITK,
        b"limit_ratio" => LIMIT_RATIO,
        b"offset" => OFFSET,
        b"smoothed" => SMOOTHED,
        b"anchored" => ANCHORED,
        b"by" => BY,
        b"without" => WITHOUT,
        b"on" => ON,
        b"ignoring" => IGNORING,
        b"group_left" => GROUP_LEFT,
        b"group_right" => GROUP_RIGHT,
        b"fill" => FILL,
        b"fill_left" => FILL_LEFT,
        b"fill_right" => FILL_RIGHT,
        b"bool" => BOOL,
        b"start" => START,
        b"end" => END,
        b"step" => STEP,
        b"range" => RANGE,
        b"max_of" => MAX_OF,
        b"min_of" => MIN_OF,
        b"inf" | b"nan" => NUMBER,
        _ => return None,
    })
}

impl ItemType {
    pub fn is_operator(self) -> bool {
        matches!(
            self,
            ADD | DIV
                | EQLC
                | EQL_REGEX
                | GTE
                | GTR
                | TRIM_UPPER
                | TRIM_LOWER
                | LAND
                | LOR
                | LSS
                | LTE
                | LUNLESS
                | MOD
                | MUL
                | NEQ
                | NEQ_REGEX
                | POW
                | SUB
                | AT
                | ATAN2
        )
    }
    pub fn is_aggregator(self) -> bool {
        matches!(
            self,
            AVG | BOTTOMK
                | COUNT
                | COUNT_VALUES
                | GROUP
                | MAX
                | MIN
                | QUANTILE
                | STDDEV
                | STDVAR
                | SUM
                | TOPK
                | LIMITK
                | LIMIT_RATIO
        )
    }
    pub fn is_aggregator_with_param(self) -> bool {
        matches!(
            self,
            TOPK | BOTTOMK | COUNT_VALUES | QUANTILE | LIMITK | LIMIT_RATIO
        )
    }
    pub fn is_experimental_aggregator(self) -> bool {
        matches!(self, LIMITK | LIMIT_RATIO)
    }
    pub fn is_keyword(self) -> bool {
        matches!(
            self,
            BOOL | BY
                | GROUP_LEFT
                | GROUP_RIGHT
                | FILL
                | FILL_LEFT
                | FILL_RIGHT
                | IGNORING
                | OFFSET
                | SMOOTHED
                | ANCHORED
                | ON
                | WITHOUT
        )
    }
    pub fn is_comparison(self) -> bool {
        matches!(self, EQLC | NEQ | LTE | LSS | GTE | GTR)
    }
    pub fn is_set_operator(self) -> bool {
        matches!(self, LAND | LOR | LUNLESS)
    }

    /// `ItemTypeStr`: the fixed text of a token type, if it has one.
    pub fn text(self) -> Option<&'static str> {
        Some(match self {
            LEFT_PAREN => "(",
            RIGHT_PAREN => ")",
            LEFT_BRACE => "{",
            RIGHT_BRACE => "}",
            LEFT_BRACKET => "[",
            RIGHT_BRACKET => "]",
            COMMA => ",",
            EQL => "=",
            COLON => ":",
            SUB => "-",
            ADD => "+",
            MUL => "*",
            MOD => "%",
            DIV => "/",
            EQLC => "==",
            NEQ => "!=",
            LTE => "<=",
            LSS => "<",
            GTE => ">=",
            GTR => ">",
            TRIM_UPPER => "</",
            TRIM_LOWER => ">/",
            EQL_REGEX => "=~",
            NEQ_REGEX => "!~",
            POW => "^",
            AT => "@",
            LAND => "and",
            LOR => "or",
            LUNLESS => "unless",
            ATAN2 => "atan2",
            SUM => "sum",
            AVG => "avg",
            COUNT => "count",
            MIN => "min",
            MAX => "max",
            GROUP => "group",
            STDDEV => "stddev",
            STDVAR => "stdvar",
            TOPK => "topk",
            BOTTOMK => "bottomk",
            COUNT_VALUES => "count_values",
            QUANTILE => "quantile",
            LIMITK => "limitk",
            LIMIT_RATIO => "limit_ratio",
            OFFSET => "offset",
            SMOOTHED => "smoothed",
            ANCHORED => "anchored",
            BY => "by",
            WITHOUT => "without",
            ON => "on",
            IGNORING => "ignoring",
            GROUP_LEFT => "group_left",
            GROUP_RIGHT => "group_right",
            FILL => "fill",
            FILL_LEFT => "fill_left",
            FILL_RIGHT => "fill_right",
            BOOL => "bool",
            START => "start",
            END => "end",
            STEP => "step",
            RANGE => "range",
            MAX_OF => "max_of",
            MIN_OF => "min_of",
            _ => return None,
        })
    }

    /// `ItemType.desc()`: what a token of this type is called in a message.
    fn desc(self) -> String {
        match self {
            ERROR => "error".into(),
            EOF => "end of input".into(),
            COMMENT => "comment".into(),
            IDENTIFIER => "identifier".into(),
            METRIC_IDENTIFIER => "metric identifier".into(),
            STRING => "string".into(),
            NUMBER => "number".into(),
            DURATION => "duration".into(),
            other => match other.text() {
                Some(t) => super::quote::go_quote(t),
                None => format!("<Item {other:?}>"),
            },
        }
    }
}

/// `Item.String()`: a token with its text, as messages show it.
pub fn item_string(typ: ItemType, val: &str) -> String {
    use super::quote::{go_quote, go_quote_prefix};
    match typ {
        EOF => "EOF".into(),
        IDENTIFIER | METRIC_IDENTIFIER => go_quote(val),
        t if t.is_keyword() => format!("<{val}>"),
        t if t.is_operator() => format!("<op:{val}>"),
        t if t.is_aggregator() => format!("<aggr:{val}>"),
        // longer than 10 bytes, cut at 10 characters (`len(i.Val) > 10`, `%.10q`)
        _ if val.len() > 10 => format!("{}...", go_quote_prefix(val, 10)),
        _ => go_quote(val),
    }
}

/// `Item.desc()`: how `unexpected ...` names a token.
pub fn item_desc(typ: ItemType, val: &str) -> String {
    if typ.text().is_some() {
        return item_string(typ, val);
    }
    if typ == EOF {
        return typ.desc();
    }
    format!("{} {}", typ.desc(), item_string(typ, val))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_tokens_as_prometheus_does() {
        assert_eq!(item_desc(RIGHT_PAREN, ")"), "\")\"");
        assert_eq!(item_desc(MUL, "*"), "<op:*>");
        assert_eq!(item_desc(SUM, "sum"), "<aggr:sum>");
        assert_eq!(item_desc(BY, "by"), "<by>");
        assert_eq!(item_desc(IDENTIFIER, "rate"), "identifier \"rate\"");
        assert_eq!(item_desc(EOF, ""), "end of input");
        assert_eq!(
            item_desc(STRING, "\"abcdefghijklmn\""),
            "string \"\\\"abcdefghi\"..."
        );
        assert_eq!(item_desc(START, "start"), "\"start\"");
        assert_eq!(keyword("SUM"), Some(SUM));
        assert_eq!(keyword("NaN"), Some(NUMBER));
        assert_eq!(keyword("rate"), None);
    }
}
