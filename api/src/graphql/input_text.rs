//! Every string a request carries, checked once before anything runs: no NUL character
//! (PostgreSQL's text cannot hold one, and SQLite would store it), and none longer than
//! `bounds::MAX_ANY_TEXT_CHARS`. It covers the request's variables and every string literal of
//! the document (arguments, directives, variable defaults), on every transport and for every
//! input, including ones added later; inputs keep their own, smaller bounds in the service.

use crate::domain::bounds::MAX_ANY_TEXT_CHARS;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{Directive, ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Name, Pos, Positioned, ServerError, ServerResult, Value as ConstValue,
    Variables,
};
use std::convert::Infallible;
use std::sync::Arc;

/// The schema extension; registered in `build_schema`.
pub struct InputText;

impl ExtensionFactory for InputText {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputText)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for InputText {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check_request(&document, variables)?;
        Ok(document)
    }
}

/// Refuses a request with a NUL character or an overlong string anywhere in its variables or
/// its document's literals, as `BAD_USER_INPUT`.
pub fn check_request(document: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
    for (name, value) in variables.iter() {
        check_const(value, &format!("variable `${name}`"), None)?;
    }
    let mut sets: Vec<&Positioned<SelectionSet>> = Vec::new();
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                let name = &definition.node.name.node;
                check_const(
                    &default.node,
                    &format!("the default of `${name}`"),
                    Some(default.pos),
                )?;
            }
            check_directives(&definition.node.directives)?;
        }
        check_directives(&operation.node.directives)?;
        sets.push(&operation.node.selection_set);
    }
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives)?;
        sets.push(&fragment.node.selection_set);
    }
    while let Some(set) = sets.pop() {
        for item in &set.node.items {
            match &item.node {
                Selection::Field(field) => {
                    check_arguments(&field.node)?;
                    check_directives(&field.node.directives)?;
                    sets.push(&field.node.selection_set);
                }
                Selection::FragmentSpread(spread) => check_directives(&spread.node.directives)?,
                Selection::InlineFragment(inline) => {
                    check_directives(&inline.node.directives)?;
                    sets.push(&inline.node.selection_set);
                }
            }
        }
    }
    Ok(())
}

fn check_directives(directives: &[Positioned<Directive>]) -> ServerResult<()> {
    for directive in directives {
        for (name, value) in &directive.node.arguments {
            let literal = value.node.clone().into_const_with(no_variables);
            check_argument(name, literal)?;
        }
    }
    Ok(())
}

fn check_arguments(field: &Field) -> ServerResult<()> {
    for (name, value) in &field.arguments {
        let literal = value.node.clone().into_const_with(no_variables);
        check_argument(name, literal)?;
    }
    Ok(())
}

/// Variables inside an argument are checked among the request's variables.
fn no_variables(_: Name) -> Result<ConstValue, Infallible> {
    Ok(ConstValue::Null)
}

/// An argument's literal strings. The parser keeps the positions of arguments, not of the
/// values inside them.
fn check_argument(
    name: &Positioned<Name>,
    literal: Result<ConstValue, Infallible>,
) -> ServerResult<()> {
    let literal = match literal {
        Ok(value) => value,
        Err(never) => match never {},
    };
    check_const(
        &literal,
        &format!("argument `{}`", name.node),
        Some(name.pos),
    )
}

fn check_const(value: &ConstValue, what: &str, pos: Option<Pos>) -> ServerResult<()> {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            ConstValue::String(text) => check_text(text, what, pos)?,
            ConstValue::List(items) => stack.extend(items),
            ConstValue::Object(fields) => {
                for (key, field) in fields {
                    check_text(key, what, pos)?;
                    stack.push(field);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_text(text: &str, what: &str, pos: Option<Pos>) -> ServerResult<()> {
    if text.contains('\0') {
        return Err(refusal(
            format!(
                "{what} contains the NUL character (U+0000), which no text of the fund may hold"
            ),
            pos,
        ));
    }
    // Counting characters is only needed when the bytes could be too many.
    if text.len() > MAX_ANY_TEXT_CHARS && text.chars().count() > MAX_ANY_TEXT_CHARS {
        return Err(refusal(
            format!("{what} holds a text longer than {MAX_ANY_TEXT_CHARS} characters, more than any input takes"),
            pos,
        ));
    }
    Ok(())
}

fn refusal(message: String, pos: Option<Pos>) -> ServerError {
    let mut error = ServerError::new(message, pos);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "BAD_USER_INPUT");
    error.extensions = Some(extensions);
    error
}
