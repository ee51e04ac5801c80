// The dashboard's small enhancements. Every page works without them; with
// them, statuses refresh by themselves, links copy in one press, metadata
// rows are added and removed in place, and costs and branding preview live.
// Values from the server are only ever set as text, never as markup.
(function () {
  "use strict";

  var FAST_POLL_MS = 3000;
  var SLOW_POLL_MS = 15000;
  var FAST_FOR_MS = 10 * 60 * 1000;

  function each(selector, root, callback) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), callback);
  }

  // Copy buttons: data-copy names the input whose value is copied.
  function announce(message) {
    each("[data-copy-status]", document, function (status) {
      status.textContent = message;
    });
  }

  function copyFrom(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    var done = function () {
      announce("Copied to the clipboard.");
    };
    var fallback = function () {
      input.focus();
      input.select();
      try {
        document.execCommand("copy");
        done();
      } catch (error) {
        announce("Press Ctrl+C (or Cmd+C) to copy the selected text.");
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, fallback);
    } else {
      fallback();
    }
  }

  each("button[data-copy]", document, function (button) {
    button.addEventListener("click", function () {
      copyFrom(button);
    });
  });

  // Metadata rows: Add and Remove happen here instead of a round trip.
  var rowCounter = 0;

  function renumber(container) {
    each("[data-row]", container, function (row, index) {
      var hidden = row.querySelector("[data-remove-row] .visually-hidden");
      if (hidden) {
        hidden.textContent = " metadata row " + (index + 1);
      }
    });
  }

  function wireRemove(button, container, addButton) {
    button.type = "button";
    button.addEventListener("click", function () {
      var row = button.closest("[data-row]");
      if (row) {
        row.remove();
      }
      renumber(container);
      addButton.focus();
    });
  }

  each("[data-metadata]", document, function (fieldset) {
    var container = fieldset.querySelector("[data-rows]");
    var template = fieldset.querySelector("template[data-row-template]");
    var addButton = fieldset.querySelector("[data-add-row]");
    if (!container || !template || !addButton) {
      return;
    }
    addButton.type = "button";
    each("[data-remove-row]", container, function (button) {
      wireRemove(button, container, addButton);
    });
    addButton.addEventListener("click", function () {
      rowCounter += 1;
      var fragment = template.content.cloneNode(true);
      var suffix = "new-" + rowCounter;
      each("[id]", fragment, function (element) {
        element.id = element.id.replace("NEW", suffix);
      });
      each("label[for]", fragment, function (label) {
        label.htmlFor = label.htmlFor.replace("NEW", suffix);
      });
      var row = fragment.querySelector("[data-row]");
      container.appendChild(fragment);
      wireRemove(row.querySelector("[data-remove-row]"), container, addButton);
      renumber(container);
      row.querySelector("input").focus();
    });
  });

  // Live statuses: poll a JSON endpoint of the dashboard while visible.
  function setField(root, name, value) {
    each('[data-field="' + name + '"]', root, function (element) {
      if (element.textContent !== String(value)) {
        element.textContent = String(value);
      }
    });
  }

  function applyConnection(root, item) {
    each('[data-field="status"]', root, function (badge) {
      badge.textContent = item.status_text;
      badge.className = "status status-" + item.status;
    });
    setField(root, "name", item.name);
    setField(root, "email", item.email);
    setField(root, "status_text", item.status_text);
    setField(root, "system", item.system);
    setField(root, "credits", item.credits);
    setField(root, "connected_at", item.connected_at);
    setField(root, "last_sync", item.last_sync);
  }

  function applyTimeline(events) {
    var list = document.querySelector("[data-timeline]");
    if (!list || !events || list.children.length === events.length) {
      return;
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    events.forEach(function (event) {
      var item = document.createElement("li");
      var time = document.createElement("time");
      var text = document.createElement("span");
      time.textContent = event.when;
      text.textContent = event.text;
      item.appendChild(time);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(text);
      list.appendChild(item);
    });
  }

  function poll(makeUrl, apply) {
    var started = Date.now();
    var stopped = false;

    function schedule() {
      var fast = Date.now() - started < FAST_FOR_MS;
      window.setTimeout(tick, fast ? FAST_POLL_MS : SLOW_POLL_MS);
    }

    function tick() {
      if (stopped) {
        return;
      }
      if (document.hidden) {
        schedule();
        return;
      }
      fetch(makeUrl(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (response.status === 401 || response.status === 404) {
            stopped = true;
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (body) {
            apply(body);
          }
        })
        .catch(function () {
          // A dropped request is retried on the next tick.
        })
        .then(function () {
          if (!stopped) {
            schedule();
          }
        });
    }

    schedule();
  }

  each("table[data-live-url]", document, function (table) {
    var rows = {};
    each("tr[data-connection-id]", table, function (row) {
      rows[row.getAttribute("data-connection-id")] = row;
    });
    var ids = Object.keys(rows);
    if (!ids.length) {
      return;
    }
    var url = table.getAttribute("data-live-url");
    poll(
      function () {
        return url + "?ids=" + encodeURIComponent(ids.join(","));
      },
      function (body) {
        (body.data || []).forEach(function (item) {
          if (rows[item.id]) {
            applyConnection(rows[item.id], item);
          }
        });
      }
    );
  });

  // A status change can change the actions offered, which only the server
  // renders; say so rather than reloading under the partner's feet.
  function noteStatus(status) {
    var notice = document.querySelector("[data-stale]");
    if (notice && notice.getAttribute("data-status") !== status) {
      notice.hidden = false;
    }
  }

  each("[data-reload]", document, function (button) {
    button.addEventListener("click", function () {
      window.location.reload();
    });
  });

  each("div[data-live-url]", document, function (panel) {
    var url = panel.getAttribute("data-live-url");
    poll(
      function () {
        return url;
      },
      function (item) {
        applyConnection(document, item);
        applyTimeline(item.events);
        noteStatus(item.status);
      }
    );
  });

  // Cost of the ticked systems against the credits available.
  each("[data-costs]", document, function (fieldset) {
    var available = Number(fieldset.getAttribute("data-available"));
    var summary = fieldset.querySelector("[data-cost-summary]");
    var boxes = fieldset.querySelectorAll("input[data-credits]");

    function update() {
      var costs = [];
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) {
          costs.push(Number(box.getAttribute("data-credits")));
        }
      });
      if (!costs.length) {
        Array.prototype.forEach.call(boxes, function (box) {
          costs.push(Number(box.getAttribute("data-credits")));
        });
      }
      var most = Math.max.apply(null, costs.concat([0]));
      var text = "Connecting costs up to " + most + " credit" + (most === 1 ? "" : "s") +
        "; " + available + " available.";
      if (most > available) {
        text += " Without enough credits the connection stays Inactive until you add credits.";
      }
      summary.textContent = text;
    }

    Array.prototype.forEach.call(boxes, function (box) {
      box.addEventListener("change", update);
    });
    update();
  });

  // Branding preview: the flow's header as the customer will see it.
  each("[data-branding]", document, function (fieldset) {
    var nameInput = fieldset.querySelector('[data-brand="name"]');
    var logoInput = fieldset.querySelector('[data-brand="logo"]');
    var colorInput = fieldset.querySelector('[data-brand="color"]');
    var preview = fieldset.querySelector("[data-brand-preview]");
    var nameOut = preview.querySelector("[data-preview-name]");
    var logoOut = preview.querySelector("[data-preview-logo]");
    var button = preview.querySelector("[data-preview-button]");
    var frame = preview.querySelector(".preview-frame");
    var fallbackName = preview.getAttribute("data-account-name") || "";

    function update() {
      nameOut.textContent = nameInput.value.trim() || fallbackName;
      var color = colorInput.value.trim();
      var valid = /^#[0-9a-fA-F]{6}$/.test(color);
      button.style.backgroundColor = valid ? color : "";
      frame.style.borderTopColor = valid ? color : "";
      var logo = logoInput.value.trim();
      if (/^https:\/\//.test(logo)) {
        logoOut.src = logo;
        logoOut.hidden = false;
      } else {
        logoOut.removeAttribute("src");
        logoOut.hidden = true;
      }
    }

    [nameInput, logoInput, colorInput].forEach(function (input) {
      input.addEventListener("input", update);
    });
    update();
  });
})();
