// Starts GraphiQL on this server's API, with the example operations of each role as its first
// tabs. A file of its own rather than an inline script, so the page's Content-Security-Policy
// can say `script-src 'self'` and nothing else.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  // GraphiQL's dialogs add a <style> element while open (react-remove-scroll); it carries the
  // nonce the page's policy allows for this response, passed on this script's own nonce
  // attribute (which browsers hide from the page's markup and style sheets).
  window.__webpack_nonce__ = document.currentScript.nonce;
  var endpoint = new URL(root.dataset.endpoint, window.location.href);
  // Subscriptions: the same path over WebSocket (graphql-transport-ws). The Headers pane's
  // entries become the connection_init payload, so {"Authorization": "Bearer …"} works there too.
  var subscriptions = new URL(endpoint.href);
  subscriptions.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  var NEW_TAB =
    '# A new tab. The first tabs hold an example for each role; the first explains tokens.\n' +
    '# Type an operation here, e.g. { portfolio { totals { depositedUsd } } }, and run it.\n';

  function start(examples) {
    var fetcher = GraphiQL.createFetcher({
      url: endpoint.href,
      subscriptionUrl: subscriptions.href,
      fetch: function (url, options) {
        return window.fetch(url, Object.assign({}, options, { credentials: 'same-origin' }));
      },
    });
    var tabs = examples.map(function (example) {
      return { query: example.query, variables: example.variables, headers: example.headers };
    });
    ReactDOM.createRoot(root).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultTabs: tabs,
        // A new tab starts empty but for a hint.
        defaultQuery: NEW_TAB,
        defaultEditorToolsVisibility: true,
        // Tokens stay in the page: headers are not written to the browser's storage.
        shouldPersistHeaders: false,
      })
    );
  }

  window
    .fetch(root.dataset.examples, { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) throw new Error('the example operations: HTTP ' + response.status);
      return response.json();
    })
    .then(start, function (error) {
      console.error(error);
      start([]);
    });
})();
