//! Byte-stream reassembly by sequence number, with a bounded buffer (pure).
//!
//! Used for the start of a TCP stream (a ClientHello or HTTP request split over segments that
//! may arrive out of order or twice), for DNS over TCP, and for QUIC CRYPTO frames (by offset).
//! Only what is needed is kept: at most `limit` contiguous bytes and `limit` bytes waiting
//! beyond a gap; more sets `overflowed` and is dropped.

/// One direction of a stream.
#[derive(Debug, Clone)]
pub struct Reassembler {
    /// Sequence number of `data[0]`, once known.
    base: Option<u32>,
    /// True when `base` is certain (from a SYN, or bytes were consumed): an earlier segment is then
    /// a retransmission, not the real start of the stream.
    anchored: bool,
    data: Vec<u8>,
    /// Segments beyond a gap: (offset from `base`, bytes), in arrival order.
    pending: Vec<(u32, Vec<u8>)>,
    pending_bytes: usize,
    limit: usize,
    /// Some bytes did not fit and were dropped.
    pub overflowed: bool,
}

impl Reassembler {
    /// A stream whose start is not known yet: the lowest sequence number seen is taken as it.
    pub fn new(limit: usize) -> Self {
        Self {
            base: None,
            anchored: false,
            data: Vec::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            limit,
            overflowed: false,
        }
    }

    /// A stream whose first byte has sequence number `first` (a SYN's sequence number + 1, or
    /// offset 0 of a QUIC CRYPTO stream).
    pub fn starting_at(first: u32, limit: usize) -> Self {
        Self {
            base: Some(first),
            anchored: true,
            ..Self::new(limit)
        }
    }

    /// The bytes received without a gap from the start of the stream (or the last `consume`).
    pub fn contiguous(&self) -> &[u8] {
        &self.data
    }

    /// Drops `n` bytes from the front (a message that was read); later bytes keep their place.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.data.len());
        self.data.drain(..n);
        self.base = self.base.map(|b| b.wrapping_add(n as u32));
        for (offset, _) in &mut self.pending {
            *offset -= n as u32;
        }
        self.anchored = true;
    }

    /// Adds a segment carrying `bytes` from sequence number `seq`.
    pub fn push(&mut self, seq: u32, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let base = *self.base.get_or_insert(seq);
        let mut offset = seq.wrapping_sub(base) as i32;
        let mut bytes = bytes;
        if offset < 0 {
            let before = offset.unsigned_abs() as usize;
            if !self.anchored && before <= self.limit {
                self.rebase(seq, before as u32);
                offset = 0;
            } else if before < bytes.len() {
                // Overlaps the start: keep the part from the start on.
                bytes = &bytes[before..];
                offset = 0;
            } else {
                return;
            }
        }
        self.insert(offset as u32, bytes);
    }

    /// An earlier segment showed the stream starts `by` bytes before the current base.
    fn rebase(&mut self, seq: u32, by: u32) {
        let old = std::mem::take(&mut self.data);
        for (offset, _) in &mut self.pending {
            *offset += by;
        }
        if !old.is_empty() {
            self.pending_bytes += old.len();
            self.pending.push((by, old));
        }
        self.base = Some(seq);
    }

    fn insert(&mut self, offset: u32, bytes: &[u8]) {
        let end = self.data.len() as u32;
        if offset > end {
            let fits =
                (offset as usize) < self.limit && self.pending_bytes + bytes.len() <= self.limit;
            if fits {
                self.pending_bytes += bytes.len();
                self.pending.push((offset, bytes.to_vec()));
            } else {
                self.overflowed = true;
            }
            return;
        }
        self.append_from(offset, bytes);
        // Segments that were waiting beyond the gap may now continue the stream.
        while let Some(at) = self
            .pending
            .iter()
            .position(|(o, _)| *o <= self.data.len() as u32)
        {
            let (o, waiting) = self.pending.swap_remove(at);
            self.pending_bytes -= waiting.len();
            self.append_from(o, &waiting);
        }
    }

    /// Appends the part of `bytes` (starting at `offset` ≤ the end) past the current end.
    fn append_from(&mut self, offset: u32, bytes: &[u8]) {
        let skip = (self.data.len() as u32 - offset) as usize;
        if let Some(new) = bytes.get(skip..) {
            let room = self.limit.saturating_sub(self.data.len());
            if new.len() > room {
                self.overflowed = true;
            }
            self.data.extend_from_slice(&new[..new.len().min(room)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_and_retransmitted_segments_are_put_in_place() {
        let mut r = Reassembler::starting_at(1001, 100);
        r.push(1011, b"KLMNO");
        r.push(1006, b"FGHIJ");
        assert_eq!(r.contiguous(), b"");
        r.push(1001, b"ABCDE");
        assert_eq!(r.contiguous(), b"ABCDEFGHIJKLMNO");
        r.push(1006, b"FGHIJKLMNOPQ"); // retransmission overlapping the end
        assert_eq!(r.contiguous(), b"ABCDEFGHIJKLMNOPQ");
        r.push(990, b"xxxxxxxxxxxAB"); // before the SYN-anchored start: trimmed
        assert_eq!(r.contiguous(), b"ABCDEFGHIJKLMNOPQ");
    }

    #[test]
    fn without_a_syn_an_earlier_segment_moves_the_start() {
        let mut r = Reassembler::new(100);
        r.push(50, b"world");
        r.push(44, b"hello ");
        assert_eq!(r.contiguous(), b"hello world");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = Reassembler::starting_at(u32::MAX - 2, 100);
        r.push(0, b"DE"); // u32::MAX - 2 + 3 wraps to 0
        r.push(u32::MAX - 2, b"ABC");
        assert_eq!(r.contiguous(), b"ABCDE");
    }

    #[test]
    fn consumed_messages_leave_the_rest_in_place() {
        let mut r = Reassembler::starting_at(0, 100);
        r.push(6, b"ghi");
        r.push(0, b"abcd");
        r.consume(3);
        assert_eq!(r.contiguous(), b"d");
        r.push(4, b"ef");
        assert_eq!(r.contiguous(), b"defghi");
    }

    #[test]
    fn memory_is_bounded() {
        let mut r = Reassembler::starting_at(0, 16);
        r.push(0, &[1; 40]);
        assert_eq!(r.contiguous().len(), 16);
        assert!(r.overflowed);
        let mut r = Reassembler::starting_at(0, 16);
        r.push(1_000_000, b"far away");
        r.push(4, &[2; 10]);
        r.push(20, &[3; 10]);
        assert!(r.overflowed);
        assert!(r.contiguous().is_empty());
    }

    #[test]
    fn noise_never_panics() {
        let inputs = crate::wire::noise::noise(400);
        let mut r = Reassembler::new(256);
        for input in &inputs {
            let seq = input
                .get(..4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            r.push(seq % 512, input);
            if input.len() % 7 == 0 {
                r.consume(input.len());
            }
        }
    }
}
