/* Working-group pages: small enhancements of pages that work without JavaScript.
 *
 * The "add a member" search suggests accounts as you type, from the candidates endpoint,
 * and lists them with the same "Add" forms the server renders.
 */
(function () {
  "use strict";

  var search = document.getElementById("candidate-search");
  var results = document.getElementById("candidate-results");
  var rowTemplate = document.getElementById("candidate-template");
  var noneTemplate = document.getElementById("candidate-none-template");
  if (!search || !results || !rowTemplate || !noneTemplate) {
    return;
  }
  var input = search.querySelector("input[name=q]");
  var url = search.dataset.candidatesUrl;
  var timer = null;
  var pending = null;

  function setText(root, selector, value) {
    var node = root.querySelector(selector);
    if (node) {
      node.textContent = value || "";
    }
  }

  function render(people) {
    results.replaceChildren();
    if (!people.length) {
      results.appendChild(noneTemplate.content.cloneNode(true));
      return;
    }
    var list = document.createElement("ul");
    list.className = "list-group";
    list.id = "candidate-list";
    people.forEach(function (person) {
      var row = rowTemplate.content.cloneNode(true);
      setText(row, ".candidate-name", person.name);
      setText(row, ".candidate-name-zh", person.name_zh);
      setText(row, ".candidate-email", person.email);
      setText(row, ".candidate-organisation", person.organisation);
      row.querySelector(".candidate-id").value = String(person.id);
      list.appendChild(row);
    });
    results.appendChild(list);
  }

  function lookUp() {
    var text = input.value.trim();
    if (pending) {
      pending.abort();
      pending = null;
    }
    if (!text) {
      results.replaceChildren();
      return;
    }
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(data.candidates || []);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          results.replaceChildren();
        }
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 250);
  });
})();
