//! Test-only: deterministic pseudo-random byte strings, a cheap stand-in for fuzzing, shared by the
//! "never panics on arbitrary bytes" tests of every parser of untrusted input.

/// `count` byte strings of lengths 0..300 from a fixed xorshift seed (the same every run).
pub(crate) fn noise(count: usize) -> Vec<Vec<u8>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..count)
        .map(|i| {
            (0..i % 300)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()[0]
                })
                .collect()
        })
        .collect()
}
