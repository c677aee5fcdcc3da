//! Writes frames as a classic pcap (microsecond timestamps, Ethernet link type).

use std::io::{self, Write};

/// Largest frame kept whole; longer frames (GRO super-frames) are cut and keep their length.
const SNAPLEN: u32 = 262_144;

pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&SNAPLEN.to_le_bytes())?;
        out.write_all(&1u32.to_le_bytes())?; // LINKTYPE_ETHERNET
        Ok(Self { out })
    }

    /// Appends one frame captured at `ts_micros` (Unix epoch).
    pub fn write_frame(&mut self, ts_micros: i64, frame: &[u8]) -> io::Result<()> {
        let kept = frame.len().min(SNAPLEN as usize);
        let secs = u32::try_from(ts_micros.div_euclid(1_000_000)).unwrap_or(u32::MAX);
        let micros = ts_micros.rem_euclid(1_000_000) as u32;
        self.out.write_all(&secs.to_le_bytes())?;
        self.out.write_all(&micros.to_le_bytes())?;
        self.out.write_all(&(kept as u32).to_le_bytes())?;
        self.out
            .write_all(&u32::try_from(frame.len()).unwrap_or(u32::MAX).to_le_bytes())?;
        self.out.write_all(&frame[..kept])
    }

    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::{FrameSource, PcapSource};

    #[test]
    fn written_capture_reads_back_with_its_timestamps() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.write_frame(1_795_000_000_123_456, &[0xab; 60]).unwrap();
        w.write_frame(1_795_000_001_000_000, &[0xcd; 1514]).unwrap();
        let bytes = w.into_inner().unwrap();
        let mut src = PcapSource::new(&bytes[..]).unwrap();
        let f = src.next_frame().unwrap().unwrap();
        assert_eq!((f.ts_micros, f.data.len()), (1_795_000_000_123_456, 60));
        let f = src.next_frame().unwrap().unwrap();
        assert_eq!((f.ts_micros, f.orig_len), (1_795_000_001_000_000, 1514));
        assert!(src.next_frame().unwrap().is_none());
    }
}
