//! One-sheet XLSX workbooks for ledgers and lists: a bold, frozen header row, text and numbers
//! in their own cell types, columns sized to their Chinese content.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

/// A value in a cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number shown with two decimals (money in yuan).
    Money(f64),
    Empty,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(#[from] XlsxError),
}

/// A sheet to write: its name, its header, its rows.
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Display width of text in spreadsheet columns: a CJK character counts two.
fn width(text: &str) -> f64 {
    text.chars().map(|c| if (c as u32) > 0x2e80 { 2.0 } else { 1.0 }).sum()
}

impl Sheet {
    /// The workbook's bytes.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, SheetError> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(&self.name)?;
        let head =
            Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_background_color("#EEF1F4");
        let money = Format::new().set_num_format("#,##0.00");
        let mut widths: Vec<f64> = self.header.iter().map(|h| width(h) + 2.0).collect();
        for (c, title) in self.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, title, &head)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                let shown = match cell {
                    Cell::Text(t) => {
                        ws.write_string(r, col, t)?;
                        width(t)
                    }
                    Cell::Int(n) => {
                        ws.write_number(r, col, *n as f64)?;
                        n.to_string().len() as f64
                    }
                    Cell::Money(m) => {
                        ws.write_number_with_format(r, col, *m, &money)?;
                        format!("{m:.2}").len() as f64 + 2.0
                    }
                    Cell::Empty => 0.0,
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = w.max(shown + 1.0);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, w.min(60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(book.save_to_buffer()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_readable_workbook() {
        let sheet = Sheet {
            name: "事项列表".into(),
            header: vec!["编号".into(), "标题".into(), "金额（元）".into()],
            rows: vec![
                vec![Cell::Int(1), Cell::Text("反映拖欠工资".into()), Cell::Money(36000.5)],
                vec![Cell::Int(2), Cell::Text("邻里纠纷".into()), Cell::Empty],
            ],
        };
        let bytes = sheet.to_xlsx().unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = calamine::Reader::worksheet_range(&mut book, "事项列表").unwrap();
        let cell = |r: u32, c: u32| range.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!((cell(0, 0), cell(0, 2)), ("编号".to_string(), "金额（元）".to_string()));
        assert_eq!(
            (cell(1, 0), cell(1, 1), cell(1, 2)),
            ("1".to_string(), "反映拖欠工资".to_string(), "36000.5".to_string())
        );
        assert_eq!(cell(2, 2), "");
        assert_eq!(range.height(), 3);
        assert_eq!(width("枫桥 a"), 6.0);
    }
}
