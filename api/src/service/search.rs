//! "Part of the name" filters: bounded, and matched literally and without regard to (ASCII)
//! case on both databases. `%`, `_` and the escape character in a search are plain characters,
//! through an explicit `ESCAPE` clause (SQLite has no default escape, PostgreSQL's is `\`).

use super::ServiceResult;
use crate::domain::{Text, UserError};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::ColumnTrait;

const ESCAPE: char = '\\';

/// A caller's search text, ready to be matched against columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    /// `%text%`, lower-cased, with the LIKE wildcards of the text escaped.
    pattern: String,
}

impl Search {
    /// Nothing for no search or a blank one; `BAD_USER_INPUT` naming `field` (e.g.
    /// `filter.search`) when it is too long.
    pub fn parse(text: Option<&str>, field: &str) -> ServiceResult<Option<Search>> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let max = Text::Search.max_chars();
        if text.chars().count() > max {
            return Err(UserError::validation(
                field,
                format!("`{field}` is at most {max} characters"),
            )
            .into());
        }
        let mut pattern = String::with_capacity(text.len() + 8);
        pattern.push('%');
        for c in text.to_lowercase().chars() {
            if matches!(c, '%' | '_') || c == ESCAPE {
                pattern.push(ESCAPE);
            }
            pattern.push(c);
        }
        pattern.push('%');
        Ok(Some(Search { pattern }))
    }

    /// `LOWER(column) LIKE '%text%' ESCAPE '\'`.
    pub fn matches(&self, column: impl ColumnTrait) -> Expr {
        Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
            .like(LikeExpr::new(self.pattern.clone()).escape(ESCAPE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped_and_length_bounded() {
        let search = Search::parse(Some(" 100%_A\\b "), "filter.search")
            .unwrap()
            .unwrap();
        assert_eq!(search.pattern, "%100\\%\\_a\\\\b%");
        assert_eq!(Search::parse(Some("   "), "filter.search").unwrap(), None);
        assert!(Search::parse(Some(&"x".repeat(101)), "filter.search").is_err());
        assert!(Search::parse(Some(&"é".repeat(100)), "filter.search").is_ok());
    }
}
