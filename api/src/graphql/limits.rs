//! Query limits, checked before anything executes, each refused with its own `extensions.code`:
//! tokens (before parsing), depth, aliases, directives and duplicated selections (on the parsed
//! document), introspection for callers without the right, and cost (after validation, from the
//! complexity async-graphql computes, where a connection costs its page size times its
//! selection). The cost of every validated request is reported in the response's `extensions`,
//! and errors without a code are labelled, and masked when internal, on every transport.

use super::errors;
use crate::domain::Role;
use crate::service::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::service::Ctx;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{
    Directive, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensionValues, Name, Positioned, Response, ServerError, ServerResult, ValidationResult,
    Value, Variables,
};
use futures::stream::BoxStream;
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The limits a document must keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_tokens: usize,
    pub max_duplicate_fields: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 10,
            max_complexity: 25_000,
            max_aliases: 15,
            max_directives: 50,
            max_tokens: 1_000,
            max_duplicate_fields: 20,
        }
    }
}

/// Who may introspect the schema (`__schema`, `__type`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Introspection {
    Everyone,
    AdminOnly,
}

/// No field is priced above this, so that the sum async-graphql makes of a document's prices
/// cannot overflow (anything above the limit is refused anyway).
const PRICE_CEILING: usize = 1 << 40;

/// The price of a field that runs its own SQL per parent instead of a loader batch (a donor's
/// statement: four statements): a hundred, so that a document can hold few of them.
pub const STATEMENT_COST: usize = 100;

/// `1 + rows × child`, saturating at [`PRICE_CEILING`].
pub fn list_cost(rows: usize, child_complexity: usize) -> usize {
    rows.max(1)
        .saturating_mul(child_complexity)
        .saturating_add(1)
        .min(PRICE_CEILING)
}

/// The cost of a connection field: its page size (`first` or `last`, else the default page)
/// times what each row selects. Used as `#[graphql(complexity = ...)]` on connection fields.
pub fn connection_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = first
        .or(last)
        .map(|n| n.clamp(0, MAX_PAGE_SIZE as i32) as usize)
        .unwrap_or(DEFAULT_PAGE_SIZE as usize);
    list_cost(rows, child_complexity)
}

/// The most rows a plain (unpaginated) list returns for one parent, and so the number of rows it
/// is priced at: cost tracks the work a document can cause whatever the data. Lists that grow
/// with the fund's history are cut at these numbers (the field's description says so); the
/// others are bounded by the fund's rules or its reference data.
pub mod rows {
    /// Countries of a concept note or programme.
    pub const COUNTRIES: usize = 60;
    /// Participating organizations (and so budget lines) of a note or programme.
    pub const ORGANIZATIONS: usize = 20;
    /// The Global Compact's objectives.
    pub const OBJECTIVES: usize = 23;
    /// The fund's guiding principles.
    pub const PRINCIPLES: usize = 10;
    /// The fund's thematic areas.
    pub const THEMATIC_AREAS: usize = 5;
    /// ISO 3166 countries (the root list).
    pub const ALL_COUNTRIES: usize = 250;
    /// Results indicators of a programme, and measurements of an indicator.
    pub const INDICATORS: usize = 30;
    pub const MEASUREMENTS: usize = 50;
    /// Targets per period of an indicator (bounded by `setIndicatorTargets`), revisions of an
    /// indicator, and a report's values per category (bounded by the fund's categories).
    pub const TARGETS: usize = crate::domain::bounds::MAX_TARGET_PERIODS;
    pub const REVISIONS: usize = 20;
    pub const CATEGORIES: usize = crate::domain::DisaggregationCategory::ALL.len();
    /// Decisions of a meeting, a concept note or a programme; transfers, expenditure reports,
    /// deposits and reviews of one parent.
    pub const DECISIONS: usize = 100;
    pub const TRANSFERS: usize = 100;
    pub const EXPENDITURES: usize = 100;
    pub const DEPOSITS: usize = 100;
    pub const REVIEWS: usize = 20;
    /// A concept note's national partners.
    pub const PARTNERS: usize = 50;
    /// Documents of one record.
    pub const DOCUMENTS: usize = 100;
    /// Programmes listed under one earmark of a donor's statement.
    pub const PROGRAMMES: usize = 100;
    /// Rows of a portfolio breakdown (areas, regions, countries, statuses, periods).
    pub const BREAKDOWN: usize = 250;
}

/// Counts a document's lexical tokens (punctuators, names, numbers, strings), ignoring white
/// space, commas and comments; stops counting past `stop_after`. Our own scan, because it must
/// run *before* parsing (a huge document must cost no parse) and async-graphql 7.2's parser has
/// no token limit; everything after the count uses async-graphql's parser.
pub fn count_tokens(source: &str, stop_after: usize) -> usize {
    let bytes = source.as_bytes();
    let mut i = 0;
    let mut tokens = 0;
    while i < bytes.len() && tokens <= stop_after {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n' | b'\r') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => i += 3,
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                while i < bytes.len()
                    && matches!(bytes[i], b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9')
                {
                    i += 1;
                }
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    i += 1;
                }
            }
            // The byte order mark is white space.
            0xEF if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => {
                i += 3;
                continue;
            }
            // Punctuators, and anything else the parser will refuse, count one each.
            _ => i += 1,
        }
        tokens += 1;
    }
    tokens
}

/// What a parsed document selects, as written (fragments counted once).
#[derive(Default, Debug, PartialEq, Eq)]
pub struct DocumentShape {
    pub aliases: usize,
    pub directives: usize,
    /// A directive used twice on the same location (none of this schema's repeats).
    pub repeated_directive: Option<String>,
    /// Selections of a response key or fragment already selected in the same selection set.
    pub duplicates: usize,
    pub introspection: bool,
    /// The deepest field nesting of any operation, with fragments expanded; inside
    /// introspection, `ofType` (bounded by the schema's type wrappers) does not count.
    pub depth: usize,
}

impl DocumentShape {
    pub fn of(doc: &ExecutableDocument) -> Self {
        let mut shape = DocumentShape::default();
        for (_, operation) in doc.operations.iter() {
            let operation = &operation.node;
            shape.directives_at(&operation.directives);
            for variable in &operation.variable_definitions {
                shape.directives_at(&variable.node.directives);
            }
            shape.selection_set(&operation.selection_set.node);
        }
        for fragment in doc.fragments.values() {
            shape.directives_at(&fragment.node.directives);
            shape.selection_set(&fragment.node.selection_set.node);
        }
        let mut depths = Depths {
            fragments: &doc.fragments,
            memo: HashMap::new(),
            visiting: HashSet::new(),
        };
        shape.depth = doc
            .operations
            .iter()
            .map(|(_, op)| depths.of(&op.node.selection_set.node, false))
            .max()
            .unwrap_or(0);
        shape
    }

    fn directives_at(&mut self, directives: &[Positioned<Directive>]) {
        self.directives += directives.len();
        if self.repeated_directive.is_none() {
            let mut seen = HashSet::new();
            for directive in directives {
                if !seen.insert(directive.node.name.node.as_str()) {
                    self.repeated_directive = Some(directive.node.name.node.to_string());
                    break;
                }
            }
        }
    }

    fn selection_set(&mut self, set: &SelectionSet) {
        let mut keys = HashSet::new();
        let mut spreads = HashSet::new();
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.alias.is_some() {
                        self.aliases += 1;
                    }
                    if matches!(field.name.node.as_str(), "__schema" | "__type") {
                        self.introspection = true;
                    }
                    if !keys.insert(field.response_key().node.as_str()) {
                        self.duplicates += 1;
                    }
                    self.directives_at(&field.directives);
                    self.selection_set(&field.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    if !spreads.insert(spread.node.fragment_name.node.as_str()) {
                        self.duplicates += 1;
                    }
                    self.directives_at(&spread.node.directives);
                }
                Selection::InlineFragment(inline) => {
                    self.directives_at(&inline.node.directives);
                    self.selection_set(&inline.node.selection_set.node);
                }
            }
        }
    }
}

/// Depth with fragments expanded, each fragment computed once (a cycle counts as nothing here;
/// validation refuses it).
struct Depths<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: HashMap<(&'a str, bool), usize>,
    visiting: HashSet<&'a str>,
}

impl<'a> Depths<'a> {
    fn of(&mut self, set: &'a SelectionSet, in_introspection: bool) -> usize {
        let mut deepest = 0;
        for selection in &set.items {
            let depth = match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let introspecting = in_introspection || matches!(name, "__schema" | "__type");
                    let own = usize::from(!(in_introspection && name == "ofType"));
                    own + self.of(&field.node.selection_set.node, introspecting)
                }
                Selection::InlineFragment(inline) => {
                    self.of(&inline.node.selection_set.node, in_introspection)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(depth) = self.memo.get(&(name, in_introspection)) {
                        *depth
                    } else if let Some(fragment) = self.fragments.get(name) {
                        if !self.visiting.insert(name) {
                            0
                        } else {
                            let depth =
                                self.of(&fragment.node.selection_set.node, in_introspection);
                            self.visiting.remove(name);
                            self.memo.insert((name, in_introspection), depth);
                            depth
                        }
                    } else {
                        0
                    }
                }
            };
            deepest = deepest.max(depth);
        }
        deepest
    }
}

/// A refusal with its code.
pub fn refusal(code: &str, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// Checks a parsed document against the limits and the caller's right to introspect.
pub fn check_document(
    doc: &ExecutableDocument,
    limits: &QueryLimits,
    introspection: Introspection,
    role: Option<Role>,
) -> Result<(), ServerError> {
    let shape = DocumentShape::of(doc);
    if shape.depth > limits.max_depth {
        return Err(refusal(
            "QUERY_TOO_DEEP",
            format!(
                "Query is too deep: {} levels of fields, at most {} are allowed",
                shape.depth, limits.max_depth
            ),
        ));
    }
    if shape.aliases > limits.max_aliases {
        return Err(refusal(
            "TOO_MANY_ALIASES",
            format!(
                "the document has {} aliases; at most {} are allowed",
                shape.aliases, limits.max_aliases
            ),
        ));
    }
    if shape.directives > limits.max_directives {
        return Err(refusal(
            "TOO_MANY_DIRECTIVES",
            format!(
                "the document has {} directives; at most {} are allowed",
                shape.directives, limits.max_directives
            ),
        ));
    }
    if let Some(name) = shape.repeated_directive {
        return Err(refusal(
            "TOO_MANY_DIRECTIVES",
            format!("the directive @{name} is repeated on one location"),
        ));
    }
    if shape.duplicates > limits.max_duplicate_fields {
        return Err(refusal(
            "TOO_MANY_DUPLICATE_FIELDS",
            format!(
                "the document selects the same field or fragment again {} times; at most {} repeats are allowed",
                shape.duplicates, limits.max_duplicate_fields
            ),
        ));
    }
    if shape.introspection && introspection == Introspection::AdminOnly && role != Some(Role::Admin)
    {
        return Err(refusal(
            "INTROSPECTION_DISABLED",
            "introspection is available to ADMIN tokens only",
        ));
    }
    Ok(())
}

/// The schema extension that enforces the limits.
pub struct Limits {
    pub limits: QueryLimits,
    pub introspection: Introspection,
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: self.limits.clone(),
            introspection: self.introspection,
            state: Arc::default(),
        })
    }
}

#[derive(Default)]
struct RequestState {
    cost: Option<usize>,
    request_id: Option<String>,
}

struct LimitsExtension {
    limits: QueryLimits,
    introspection: Introspection,
    state: Arc<Mutex<RequestState>>,
}

impl LimitsExtension {
    fn remember_request_id(&self, ctx: &ExtensionContext<'_>) {
        if let (Some(caller), Ok(mut state)) = (ctx.data_opt::<Ctx>(), self.state.lock()) {
            state.request_id = Some(caller.request_id.clone());
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let cost = self.state.lock().ok().and_then(|s| s.cost);
        if let Some(cost) = cost {
            let mut report = async_graphql::indexmap::IndexMap::new();
            report.insert(Name::new("requestedQueryCost"), Value::from(cost));
            report.insert(
                Name::new("maximumAvailable"),
                Value::from(self.limits.max_complexity),
            );
            response
                .extensions
                .insert("cost".to_owned(), Value::Object(report));
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let state = self.state.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                let request_id = state
                    .lock()
                    .ok()
                    .and_then(|s| s.request_id.clone())
                    .unwrap_or_else(|| "subscription".to_owned());
                errors::mask(&mut response, &request_id);
                response
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.remember_request_id(ctx);
        let tokens = count_tokens(query, self.limits.max_tokens);
        if tokens > self.limits.max_tokens {
            return Err(refusal(
                "TOO_MANY_TOKENS",
                format!(
                    "the document has more than {} tokens; send a smaller one",
                    self.limits.max_tokens
                ),
            ));
        }
        let doc = next.run(ctx, query, variables).await.map_err(|mut error| {
            if error.extensions.is_none() {
                let code = if error.message.starts_with("The recursion depth") {
                    "QUERY_TOO_DEEP"
                } else if error.message.starts_with("The number of directives") {
                    "TOO_MANY_DIRECTIVES"
                } else {
                    "GRAPHQL_PARSE_FAILED"
                };
                let mut extensions = ErrorExtensionValues::default();
                extensions.set("code", code);
                error.extensions = Some(extensions);
            }
            error
        })?;
        let role = ctx
            .data_opt::<Ctx>()
            .and_then(|c| c.principal.as_ref())
            .map(|p| p.role);
        check_document(&doc, &self.limits, self.introspection, role)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Ok(mut state) = self.state.lock() {
            state.cost = Some(result.complexity);
        }
        if result.complexity > self.limits.max_complexity {
            return Err(vec![refusal(
                "QUERY_TOO_COMPLEX",
                format!(
                    "Query is too complex: it costs {}, at most {} is allowed (a connection costs its page size times its selection)",
                    result.complexity, self.limits.max_complexity
                ),
            )]);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let request_id = ctx
            .data_opt::<Ctx>()
            .map(|c| c.request_id.clone())
            .unwrap_or_default();
        errors::mask(&mut response, &request_id);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> DocumentShape {
        DocumentShape::of(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn tokens_are_counted_like_the_lexer_would() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(
            count_tokens(
                "query Q($x: Int = -1.5e3) { a(x: $x) @skip(if: true) }",
                100
            ),
            26
        );
        assert_eq!(count_tokens("{ a(s: \"x, y # z\") # comment\n b }", 100), 9);
        assert_eq!(
            count_tokens("{ a(s: \"\"\"block \\\"\"\" x\"\"\") ...F }", 100),
            10
        );
        assert_eq!(count_tokens(&"a ".repeat(5000), 10), 11);
    }

    #[test]
    fn shapes_count_aliases_directives_duplicates_and_depth() {
        let s = shape("query { a: x b: x x @skip(if: false) @include(if: true) y { z { w } } x }");
        assert_eq!(s.aliases, 2);
        assert_eq!(s.directives, 2);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.depth, 3);
        assert!(!s.introspection);
        let s = shape("{ ...F ...F } fragment F on Query { a { b { c } } }");
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.depth, 3);
        assert_eq!(
            shape("{ x @a @a }").repeated_directive,
            Some("a".to_owned())
        );
    }

    #[test]
    fn type_references_do_not_deepen_introspection() {
        let s = shape(
            "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }",
        );
        assert!(s.introspection);
        assert_eq!(s.depth, 5);
        let circular = shape("{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }");
        assert_eq!(circular.depth, 11);
    }

    #[test]
    fn fragment_cycles_end() {
        let s =
            shape("{ ...A } fragment A on Query { a { ...B } } fragment B on Query { b { ...A } }");
        assert_eq!(s.depth, 2);
    }

    #[test]
    fn connections_cost_their_page() {
        assert_eq!(connection_cost(Some(10), None, 3), 31);
        assert_eq!(connection_cost(None, Some(1000), 2), 201);
        assert_eq!(connection_cost(None, None, 1), 51);
        assert_eq!(connection_cost(Some(0), None, 5), 6);
    }
}
