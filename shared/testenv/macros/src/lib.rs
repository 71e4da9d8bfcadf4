//! `#[needs(promtool, refdata)]` above a `#[test]` (or `#[tokio::test]`): the test is reported
//! ignored, with the reason, where the build script found one of them missing (see
//! `promstack_testenv`, which also says what each name is):
//!
//! ```text
//! test promtool_says_the_same ... ignored, promtool 3.14.0 not found: run scripts/test-tools.sh (or set PROMSTACK_PROMTOOL)
//! ```
//!
//! In CI nothing is missing to the build script, so the test runs and fails on what is not there.
//! It expands to one `#[cfg_attr(missing_<need>, ignore = "<why>")]` per need (the first missing
//! one gives the reason), which libtest reads; the reason must be a literal, hence a macro.
use proc_macro::{Delimiter, TokenStream, TokenTree};
use promstack_testenv::Need;

#[proc_macro_attribute]
pub fn needs(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attrs = match names(attr).and_then(|n| ignores(&n, &item)) {
        Ok(attrs) => attrs,
        Err(e) => format!("compile_error!({e:?});"),
    };
    let mut out: TokenStream = attrs.parse().expect("the attributes parse");
    out.extend(item);
    out
}

/// The needs named, each one known.
fn names(attr: TokenStream) -> Result<Vec<&'static Need>, String> {
    let mut out = Vec::new();
    for t in attr {
        match t {
            TokenTree::Ident(i) => {
                let name = i.to_string();
                out.push(Need::named(&name).ok_or_else(|| {
                    let known: Vec<&str> =
                        promstack_testenv::NEEDS.iter().map(|n| n.name).collect();
                    format!("#[needs]: no need `{name}` (one of: {})", known.join(", "))
                })?);
            }
            TokenTree::Punct(p) if p.as_char() == ',' => {}
            other => return Err(format!("#[needs]: `{other}` is no need's name")),
        }
    }
    if out.is_empty() {
        return Err("#[needs(..)] names what the test needs: #[needs(promtool)]".into());
    }
    Ok(out)
}

/// One `cfg_attr` per need: the first one missing gives the reason (libtest takes one).
fn ignores(needs: &[&Need], item: &TokenStream) -> Result<String, String> {
    if !is_a_test(item) {
        return Err("#[needs(..)] goes above #[test] or #[tokio::test] (the test attribute reads the #[ignore] it adds)".into());
    }
    let mut out = String::new();
    for (i, need) in needs.iter().enumerate() {
        let before: Vec<String> = needs[..i].iter().map(|n| n.cfg()).collect();
        let when = match before.is_empty() {
            true => need.cfg(),
            false => format!("all({}, not(any({})))", need.cfg(), before.join(", ")),
        };
        out.push_str(&format!(
            "#[cfg_attr({when}, ignore = {:?})]",
            need.why_missing()
        ));
    }
    Ok(out)
}

/// Whether `item` still carries a test attribute (`#[test]`, `#[tokio::test(..)]`): one above
/// `#[needs]` has already been expanded, without the ignore.
fn is_a_test(item: &TokenStream) -> bool {
    let mut after_hash = false;
    for t in item.clone() {
        match t {
            TokenTree::Punct(p) if p.as_char() == '#' => after_hash = true,
            TokenTree::Group(g) if after_hash && g.delimiter() == Delimiter::Bracket => {
                let last_ident = g
                    .stream()
                    .into_iter()
                    .take_while(|t| !matches!(t, TokenTree::Group(_)))
                    .filter_map(|t| match t {
                        TokenTree::Ident(i) => Some(i.to_string()),
                        _ => None,
                    })
                    .last();
                if last_ident.as_deref() == Some("test") {
                    return true;
                }
                after_hash = false;
            }
            _ => after_hash = false,
        }
    }
    false
}
