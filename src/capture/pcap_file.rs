//! The `--write-pcap` file: written to a temporary file beside the target and renamed into place
//! when the capture ends, so no half-written capture ever carries the final name. When the disk
//! fills (or any write fails) the capture goes on without it and what was written is kept.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::PcapWriter;

/// A capture being kept as evidence.
pub struct PcapFile {
    path: PathBuf,
    tmp: PathBuf,
    keeper: FrameKeeper<BufWriter<File>>,
}

/// How writing the capture ended.
#[derive(Debug)]
pub struct PcapFileOutcome {
    pub path: PathBuf,
    /// Frames written in full.
    pub frames: u64,
    /// The write error that stopped the file (disk full …); frames before it are kept.
    pub error: Option<String>,
}

impl PcapFile {
    /// Creates the temporary file and writes the pcap header.
    ///
    /// # Errors
    /// When the file cannot be created or its header written.
    pub fn create(path: &Path) -> io::Result<Self> {
        let name = path.file_name().map_or_else(
            || "capture.pcap".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        let file = File::create(&tmp)?;
        let keeper = match PcapWriter::new(BufWriter::new(file)) {
            Ok(writer) => FrameKeeper::new(writer),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            keeper,
        })
    }

    /// Appends a frame; after a write error this does nothing (the error is kept for the end).
    pub fn write_frame(&mut self, ts_micros: i64, frame: &[u8]) {
        self.keeper.write_frame(ts_micros, frame);
    }

    /// Flushes and renames the file into place (also after a write error: what was written is
    /// kept, and a reader finds where it stops).
    ///
    /// # Errors
    /// Only when the rename itself fails.
    pub fn finish(self) -> io::Result<PcapFileOutcome> {
        let (frames, error) = self.keeper.finish();
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(PcapFileOutcome {
            path: self.path,
            frames,
            error,
        })
    }
}

/// Writes frames until the first error, then keeps the error instead of failing the capture.
struct FrameKeeper<W: Write> {
    writer: Option<PcapWriter<W>>,
    frames: u64,
    error: Option<String>,
}

impl<W: Write> FrameKeeper<W> {
    fn new(writer: PcapWriter<W>) -> Self {
        Self {
            writer: Some(writer),
            frames: 0,
            error: None,
        }
    }

    fn write_frame(&mut self, ts_micros: i64, frame: &[u8]) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        match writer.write_frame(ts_micros, frame) {
            Ok(()) => self.frames += 1,
            Err(e) => {
                self.error = Some(format!("{e} after {} frames", self.frames));
                // Dropping the writer flushes what it can; later frames are not written.
                self.writer = None;
            }
        }
    }

    fn finish(mut self) -> (u64, Option<String>) {
        if let Some(writer) = self.writer.take()
            && let Err(e) = writer.into_inner()
        {
            self.error = Some(format!("{e} at the end of the capture"));
        }
        (self.frames, self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::{FrameSource, PcapSource};

    /// A disk with room for `room` bytes.
    struct SmallDisk {
        bytes: Vec<u8>,
        room: usize,
    }

    impl Write for SmallDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.room - self.bytes.len());
            if n == 0 && !buf.is_empty() {
                return Err(io::Error::from_raw_os_error(28));
            }
            self.bytes.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_stops_the_file_and_keeps_the_frames_before() {
        let disk = SmallDisk {
            bytes: Vec::new(),
            room: 24 + 2 * (16 + 100) + 50,
        };
        let mut keeper = FrameKeeper::new(PcapWriter::new(disk).unwrap());
        for i in 0..5 {
            keeper.write_frame(1_795_000_000_000_000 + i, &[0xab; 100]);
        }
        assert_eq!(keeper.frames, 2);
        let error = keeper.error.clone().unwrap();
        assert!(error.contains("No space left on device"), "{error}");
        let disk = keeper.writer.take().map(|w| w.into_inner().unwrap());
        assert!(disk.is_none(), "the writer is dropped after the error");
        let (frames, error) = keeper.finish();
        assert_eq!(frames, 2);
        assert!(error.is_some());
    }

    #[test]
    fn the_file_appears_under_its_name_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.pcap");
        let mut file = PcapFile::create(&path).unwrap();
        file.write_frame(1_795_000_000_000_000, &[0xcd; 60]);
        assert!(!path.exists());
        let outcome = file.finish().unwrap();
        assert_eq!((outcome.frames, outcome.error), (1, None));
        let bytes = std::fs::read(&path).unwrap();
        let mut src = PcapSource::new(&bytes[..]).unwrap();
        assert_eq!(src.next_frame().unwrap().unwrap().data.len(), 60);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left");
    }
}
