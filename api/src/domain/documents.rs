//! Documents: which files the fund accepts, told from their bytes (never from the name or media
//! type the uploader's client claims), and which kind of document belongs to which record.

use super::DocumentKind;

/// The kinds of record a document belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    ConceptNote,
    JointProgramme,
    Meeting,
    ExpenditureReport,
}

impl SubjectKind {
    /// Its name, for a person to read.
    pub fn name(self) -> &'static str {
        self.noun().split_once(' ').map_or("", |(_, name)| name)
    }

    /// Its name with its article, for a person to read.
    pub fn noun(self) -> &'static str {
        match self {
            SubjectKind::ConceptNote => "a concept note",
            SubjectKind::JointProgramme => "a joint programme",
            SubjectKind::Meeting => "a steering-committee meeting",
            SubjectKind::ExpenditureReport => "an expenditure report",
        }
    }
}

impl DocumentKind {
    /// Whether a document of this kind belongs on a record of `subject`'s kind.
    pub fn fits(self, subject: SubjectKind) -> bool {
        use SubjectKind as S;
        match self {
            DocumentKind::ConceptNote => subject == S::ConceptNote,
            DocumentKind::ProgrammeDocument | DocumentKind::NarrativeReport => {
                subject == S::JointProgramme
            }
            DocumentKind::FinancialReport => {
                matches!(subject, S::JointProgramme | S::ExpenditureReport)
            }
            DocumentKind::Minutes => subject == S::Meeting,
            DocumentKind::Other => true,
        }
    }

    /// The kinds a record of `subject`'s kind carries.
    pub fn fitting(subject: SubjectKind) -> Vec<DocumentKind> {
        DocumentKind::ALL
            .iter()
            .copied()
            .filter(|kind| kind.fits(subject))
            .collect()
    }
}

/// The file types the fund accepts, as the service serves them.
pub const ACCEPTED: &str = "PDF, Word, Excel or PowerPoint (Office Open XML: .docx, .xlsx, .pptx), OpenDocument (.odt, .ods, .odp), PNG, JPEG, CSV or plain UTF-8 text";

/// What a file is, from its bytes: its media type, or `None` when it is none of [`ACCEPTED`].
/// `file_name` only tells CSV from other plain text (both are text, served as text).
pub fn media_type_of(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zipped_office_document(bytes);
    }
    if is_text(bytes) {
        let csv = file_name.to_ascii_lowercase().ends_with(".csv");
        return Some(if csv {
            "text/csv; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        });
    }
    None
}

/// UTF-8 (a byte-order mark allowed) without control characters but tab, line feed, carriage
/// return and form feed.
fn is_text(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C')),
        Err(_) => false,
    }
}

/// An OpenDocument file (its first entry is `mimetype`, stored, naming the type) or an Office
/// Open XML one (its central directory lists `[Content_Types].xml` and the part of its kind).
fn zipped_office_document(bytes: &[u8]) -> Option<&'static str> {
    if let Some(declared) = open_document_type(bytes) {
        return [
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.oasis.opendocument.presentation",
        ]
        .into_iter()
        .find(|t| *t == declared);
    }
    let names = zip_entry_names(bytes)?;
    if !names.contains(&&b"[Content_Types].xml"[..]) {
        return None;
    }
    [
        (
            &b"word/document.xml"[..],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            &b"xl/workbook.xml"[..],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            &b"ppt/presentation.xml"[..],
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ]
    .into_iter()
    .find(|(part, _)| names.contains(part))
    .map(|(_, media_type)| media_type)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]) as usize)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

/// The media type an OpenDocument file names in its first, stored, `mimetype` entry.
fn open_document_type(bytes: &[u8]) -> Option<&str> {
    let method = u16_at(bytes, 8)?;
    let size = u32_at(bytes, 18)?;
    let name_len = u16_at(bytes, 26)?;
    let extra_len = u16_at(bytes, 28)?;
    if method != 0 || bytes.get(30..30 + name_len)? != b"mimetype" {
        return None;
    }
    let start = 30 + name_len + extra_len;
    std::str::from_utf8(bytes.get(start..start + size)?).ok()
}

/// The names in a ZIP archive's central directory (found from its end record, which sits in the
/// last 64 KiB + 22 bytes); `None` when the archive is not well formed.
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let earliest = bytes.len().saturating_sub(22 + 65_535);
    let end = (earliest..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&at| bytes[at..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(bytes, end + 10)?;
    let mut at = u32_at(bytes, end + 16)?;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let name_len = u16_at(bytes, at + 28)?;
        let extra_len = u16_at(bytes, at + 30)?;
        let comment_len = u16_at(bytes, at + 32)?;
        names.push(bytes.get(at + 46..at + 46 + name_len)?);
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// A file name as the service keeps it: its last path component (a client may send a path),
/// trimmed; `None` when nothing is left or it holds control characters.
pub fn clean_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if last.is_empty() || last == "." || last == ".." || last.chars().any(char::is_control) {
        return None;
    }
    Some(last.chars().take(200).collect())
}

/// A one-page PDF showing `lines` (Helvetica, ASCII): the demo portfolio's documents and the
/// tests' files. Byte offsets in its cross-reference table are exact, so readers open it.
pub fn simple_pdf(lines: &[&str]) -> Vec<u8> {
    let escape = |line: &str| -> String {
        line.chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .map(|c| match c {
                '(' | ')' | '\\' => format!("\\{c}"),
                c => c.to_string(),
            })
            .collect()
    };
    let mut text = String::from("BT /F1 12 Tf 72 770 Td 16 TL\n");
    for line in lines {
        text.push_str(&format!("({}) Tj T*\n", escape(line)));
    }
    text.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP archive of stored entries, as office suites write them.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            let mut local = b"PK\x03\x04".to_vec();
            local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            local.extend_from_slice(&[0; 4]); // crc, unchecked here
            local.extend_from_slice(&(data.len() as u32).to_le_bytes());
            local.extend_from_slice(&(data.len() as u32).to_le_bytes());
            local.extend_from_slice(&(name.len() as u16).to_le_bytes());
            local.extend_from_slice(&0u16.to_le_bytes());
            local.extend_from_slice(name.as_bytes());
            local.extend_from_slice(data);
            out.extend_from_slice(&local);
            let mut entry = b"PK\x01\x02".to_vec();
            entry.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            entry.extend_from_slice(&[0; 4]);
            entry.extend_from_slice(&(data.len() as u32).to_le_bytes());
            entry.extend_from_slice(&(data.len() as u32).to_le_bytes());
            entry.extend_from_slice(&(name.len() as u16).to_le_bytes());
            entry.extend_from_slice(&[0; 12]);
            entry.extend_from_slice(&offset.to_le_bytes());
            entry.extend_from_slice(name.as_bytes());
            central.extend_from_slice(&entry);
        }
        let at = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&at.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn files_are_told_by_their_bytes() {
        assert_eq!(
            media_type_of(&simple_pdf(&["Minutes"]), "x.exe"),
            Some("application/pdf")
        );
        assert_eq!(
            media_type_of(b"\x89PNG\r\n\x1a\n....", "a.pdf"),
            Some("image/png")
        );
        assert_eq!(
            media_type_of(&[0xFF, 0xD8, 0xFF, 0xE0], ""),
            Some("image/jpeg")
        );
        assert_eq!(
            media_type_of(b"year,amount\n2021,10\n", "budget.CSV"),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            media_type_of("Compte rendu \u{e9}t\u{e9}\r\n".as_bytes(), "notes.txt"),
            Some("text/plain; charset=utf-8")
        );
        // An executable, HTML with a NUL, Latin-1: refused whatever they are called.
        assert_eq!(media_type_of(b"MZ\x90\x00\x03", "report.pdf"), None);
        assert_eq!(media_type_of(b"<html>\x00", "a.txt"), None);
        assert_eq!(media_type_of(b"caf\xe9", "a.txt"), None);
        assert_eq!(media_type_of(b"\x1b[31m", "a.txt"), None);
    }

    #[test]
    fn zipped_office_documents_are_told_by_their_parts() {
        let docx = zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document/>"),
        ]);
        assert_eq!(
            media_type_of(&docx, "a.zip"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        let xlsx = zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert_eq!(
            media_type_of(&xlsx, ""),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        let odt = zip(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<office:document-content/>"),
        ]);
        assert_eq!(
            media_type_of(&odt, ""),
            Some("application/vnd.oasis.opendocument.text")
        );
        // Any other archive, an OpenDocument of another type, a truncated archive: refused.
        assert_eq!(media_type_of(&zip(&[("evil.exe", b"MZ")]), ""), None);
        let odg = zip(&[("mimetype", b"application/vnd.oasis.opendocument.graphics")]);
        assert_eq!(media_type_of(&odg, ""), None);
        assert_eq!(media_type_of(&docx[..docx.len() - 30], ""), None);
    }

    #[test]
    fn kinds_fit_their_records() {
        assert!(DocumentKind::Minutes.fits(SubjectKind::Meeting));
        assert!(!DocumentKind::Minutes.fits(SubjectKind::JointProgramme));
        assert!(DocumentKind::FinancialReport.fits(SubjectKind::ExpenditureReport));
        assert!(DocumentKind::Other.fits(SubjectKind::ConceptNote));
        assert_eq!(
            DocumentKind::fitting(SubjectKind::ConceptNote),
            vec![DocumentKind::ConceptNote, DocumentKind::Other]
        );
    }

    #[test]
    fn file_names_keep_their_last_component() {
        assert_eq!(
            clean_file_name("C:\\Users\\me\\Minutes 2021.pdf").as_deref(),
            Some("Minutes 2021.pdf")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("dir/"), None);
        assert_eq!(clean_file_name("a\nb.pdf"), None);
    }
}
