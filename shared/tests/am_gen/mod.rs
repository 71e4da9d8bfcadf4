//! A seeded generator of Alertmanager configs for the differential test against amtool.
pub mod config;
pub mod emit;
pub mod gen;
pub mod mutate;
pub mod pools;

use pools::Rng;

/// `n` configs from `seed`: half generated (some with values past the edge), half generated
/// and then mutated (on the tree, now and then on the text).
pub fn configs(seed: u64, n: usize) -> Vec<String> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|i| {
            let odd = *r.pick(&[0, 0, 2, 5, 15]);
            let mut g = gen::Gen {
                r: &mut r,
                odd,
                receivers: vec![],
                intervals: vec![],
            };
            let mut doc = g.config();
            if i % 2 == 0 {
                return emit::yaml(&doc);
            }
            for _ in 0..1 + r.below(3) {
                mutate::mutate(&mut r, &mut doc);
            }
            let text = emit::yaml(&doc);
            if r.chance(15) {
                mutate::mutate_text(&mut r, &text)
            } else {
                text
            }
        })
        .collect()
}
