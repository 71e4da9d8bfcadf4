//! The YAML reader against what yaml.v2 (2.4) makes of a document.
use super::*;

fn err(text: &str) -> String {
    load(text).unwrap_err().message
}

#[test]
fn as_deep_as_yaml_v2_reads() {
    // block: one indentation per nested list (`- - - x`), as amtool 0.34 counts them
    let block = |n: usize| format!("{}x\n", "- ".repeat(n));
    dismantle(load(&block(MAX_DEPTH)).unwrap());
    assert_eq!(err(&block(MAX_DEPTH + 1)), "exceeded max depth of 10000");
    let flow = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    dismantle(load(&flow(MAX_FLOW_DEPTH)).unwrap());
    assert!(err(&flow(MAX_FLOW_DEPTH + 1))
        .starts_with("flow collections (`[...]`, `{...}`) nested more than 256 deep"));
}

#[test]
fn what_yaml_v2_makes_of_a_document() {
    assert_eq!(
        load("a: 1\n---\nb: [\n").unwrap()["a"],
        Yaml::Number(1.into())
    );
    assert_eq!(load("# nothing\n").unwrap(), Yaml::Null);
    assert_eq!(err("a: 1\na: 2\n"), "key \"a\" already set in map");
    assert_eq!(
        err("? [a]\n: b\n"),
        "invalid map key: a list or mapping is no key"
    );
    assert_eq!(err("a: *x\n"), "unknown anchor 'x' referenced");
    assert_eq!(
        err("%YAML 1.2\n---\na: 1\n"),
        "found incompatible YAML document"
    );
    let merged = load("b: &b {x: 1, y: 2}\nc: {<<: *b, y: 3}\n").unwrap();
    assert_eq!(merged["c"]["x"], Yaml::Number(1.into()));
    assert_eq!(merged["c"]["y"], Yaml::Number(3.into()));
    assert_eq!(
        err("c: {<<: 5}\n"),
        "map merge requires map or sequence of maps as the value"
    );
}

#[test]
fn a_tag_takes_a_comma_as_yaml_v2_reads_it() {
    // libyaml-safer panics on the first, and refuses the second
    assert_eq!(load("[a,!x, b]\n").unwrap()[1], Yaml::String("b".into()));
    assert_eq!(load("k: !x,y v\n").unwrap()["k"], Yaml::String("v".into()));
}

#[test]
fn a_billion_laughs_is_excessive_aliasing() {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    assert_eq!(err(&s), "document contains excessive aliasing");
}

/// yaml.v2's allowedAliasRatio between 400,000 and 4,000,000 decoded nodes falls in a straight
/// line from 0.99 to 0.10: at 2,200,000 it is 0.545, so 45% aliased nodes pass and 60% do not;
/// a document of at most 1,000 nodes is never refused for it.
#[test]
fn the_alias_ratio_allowed_falls_with_the_nodes_decoded() {
    let ratio = |plain: usize, aliased: usize| {
        let mut l = Loader::default();
        l.count(plain, 0, Mark::default())
            .and_then(|()| l.count(aliased, aliased, Mark::default()))
            .map_err(|e| e.message)
    };
    assert_eq!(ratio(1_210_000, 990_000), Ok(()));
    // up to 1,000 nodes decoded, any ratio passes; above, a ratio of exactly the one allowed too
    assert_eq!(ratio(2, 500), Ok(()));
    assert_eq!(ratio(9, 991), Ok(()));
    assert_eq!(ratio(20, 1_980), Ok(()));
    assert_eq!(
        ratio(19, 1_981),
        Err("document contains excessive aliasing".to_string())
    );
    assert_eq!(
        ratio(880_000, 1_320_000),
        Err("document contains excessive aliasing".to_string())
    );
    // 2.2M nodes allow 0.99 - 0.89 * 0.5 = 0.545: 0.55 is too many
    assert_eq!(
        ratio(990_000, 1_210_000),
        Err("document contains excessive aliasing".to_string())
    );
}

/// What the reader builds is freed without recursion: a document as deep as yaml.v2 reads, read
/// and dropped (also when it fails half-way, with a deep anchored value) in a thread with a small
/// stack, as a tokio worker's, where a recursive drop of 10,000 levels would overflow.
#[test]
fn deep_documents_are_freed_without_recursion() {
    let deep = format!("a: &x\n  {}x\nb: *x\n", "- ".repeat(MAX_DEPTH - 1));
    let broken = format!("{deep}c: [\n");
    std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            dismantle(load(&deep).unwrap());
            assert!(load(&broken).is_err());
        })
        .unwrap()
        .join()
        .unwrap();
}
