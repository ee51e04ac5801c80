/*
 * The system picker: one button per system the link allows, a search box
 * filtering them by name, key and description, and a spoken count.
 */
(function () {
  "use strict";

  const page = window.LinkFlowPage;
  if (!page) {
    return;
  }

  const COUNT_DELAY_MS = 300;

  /**
   * Wire the picker in ``section`` and return ``{render}``; ``onPick`` is
   * called with the system object the customer chose.
   */
  function createPicker(section, onPick) {
    const list = section.querySelector("[data-system-list]");
    const search = section.querySelector("[data-system-search]");
    const count = section.querySelector("[data-system-count]");
    let items = [];
    let countTimer = null;

    function render(systems, partner) {
      list.textContent = "";
      items = systems.map((system, index) => {
        const item = page.element("li", "system-item");
        item.appendChild(systemButton(system, `system-${index}`, partner, onPick));
        list.appendChild(item);

        return { item, text: normalise([system.name, system.key, system.description].join(" ")) };
      });
      filter();
      updateCount();
    }

    function filter() {
      const words = normalise(search.value).split(/\s+/).filter(Boolean);
      items.forEach(({ item, text }) => {
        item.hidden = !words.every((word) => text.includes(word));
      });
    }

    function updateCount() {
      const shown = items.filter(({ item }) => !item.hidden).length;
      const query = search.value.trim();
      if (!query) {
        count.textContent = items.length === 1 ? "1 system available." : `${items.length} systems available.`;
      } else if (shown === 0) {
        page.fillText(count, "No system matches “{query}”. Try another name.", { query });
      } else {
        count.textContent = `${shown} of ${items.length} systems match.`;
      }
    }

    search.addEventListener("input", () => {
      filter();
      // Announce the count once typing pauses, not on every key.
      clearTimeout(countTimer);
      countTimer = setTimeout(updateCount, COUNT_DELAY_MS);
    });

    return { render };
  }

  function systemButton(system, id, partner, onPick) {
    const button = page.element("button", "system");
    const cost = creditText(Number(system.credits) || 0);
    const described = [];
    button.type = "button";
    // The name starts with the display name, as partners' tests expect.
    button.setAttribute("aria-label", `${system.name}, ${cost}`);

    const head = page.element("span", "system-head");
    const name = page.element("span", "system-name", system.name);
    name.dir = "auto";
    head.append(name, page.element("span", "system-cost", cost));
    button.appendChild(head);

    if (system.deployment === "on_prem") {
      button.appendChild(part("system-tag", `${id}-deploy`, "On-premises", described));
    }
    if (system.description) {
      button.appendChild(part("system-desc", `${id}-desc`, system.description, described));
    }
    if (system.affordable === false) {
      const note = part("system-note", `${id}-note`, "", described);
      page.fillText(
        note,
        "Note: {partner} does not have enough credits for this system yet. You can still connect; it will start once {partner} adds credits.",
        { partner },
      );
      button.appendChild(note);
    }
    if (described.length) {
      button.setAttribute("aria-describedby", described.join(" "));
    }
    button.addEventListener("click", () => onPick(system));

    return button;
  }

  function part(className, id, text, described) {
    const node = page.element("span", className, text);
    node.id = id;
    described.push(id);

    return node;
  }

  function creditText(credits) {
    return credits === 1 ? "1 credit" : `${credits} credits`;
  }

  /** Lower-case and strip accents, so "sap" finds "SÄP" and "odoo" "Odoo". */
  function normalise(text) {
    return String(text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  page.createPicker = createPicker;
})();
