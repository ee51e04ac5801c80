/*
 * The credentials step's form: one labelled input per catalog field, the
 * optional connection name and email, checks before sending, and errors
 * shown next to the field they are about.
 */
(function () {
  "use strict";

  const page = window.LinkFlowPage;
  if (!page) {
    return;
  }

  const element = page.element;
  const INPUT_TYPES = { text: "text", password: "password", url: "url", number: "number" };

  /**
   * Build the form for ``system`` inside ``form`` and return its controller.
   * ``ask`` says whether to ask for the connection name and email.
   */
  function createCredentialsForm(form, system, ask, partnerName) {
    const credentialBox = form.querySelector("[data-credential-fields]");
    const contactBox = form.querySelector("[data-contact-fields]");
    const formError = form.querySelector("[data-form-error]");
    const fieldset = form.querySelector("[data-fields]");
    const status = form.querySelector("[data-submit-status]");
    const submit = form.querySelector('[data-action="connect"]');
    const fields = [];

    credentialBox.textContent = "";
    contactBox.textContent = "";
    (system.fields || []).forEach((spec, index) => {
      fields.push(buildField(credentialBox, spec, `cred-${index}`, "credentials"));
    });
    if (ask && (ask.name || ask.email)) {
      contactBox.appendChild(element("h2", "subhead", "About this connection"));
    }
    if (ask && ask.name) {
      fields.push(buildField(contactBox, contactSpec("name", partnerName), "contact-name", "name"));
    }
    if (ask && ask.email) {
      fields.push(buildField(contactBox, contactSpec("email", partnerName), "contact-email", "email"));
    }
    fields.forEach((field) => {
      const clear = () => hideFieldError(field);
      field.input.addEventListener("input", clear);
      field.input.addEventListener("change", clear);
    });

    function findField(name) {
      const bare = String(name || "").replace(/^credentials\./, "");
      return (
        fields.find((f) => f.group === "credentials" && f.spec.name === bare) ||
        fields.find((f) => f.group !== "credentials" && f.group === bare) ||
        null
      );
    }

    return {
      /** Check every field; show each problem; focus the first. Return ok. */
      validate() {
        clearErrors();
        const problems = fields
          .map((field) => [field, problemWith(field)])
          .filter(([, problem]) => problem);
        problems.forEach(([field, problem]) => showFieldError(field, problem, false));
        if (problems.length) {
          problems[0][0].input.focus();
        }

        return problems.length === 0;
      },

      /** Return the request body parts: credentials, and name/email if asked. */
      values() {
        const body = { credentials: {} };
        fields.forEach((field) => {
          const value = valueOf(field);
          if (field.group === "credentials") {
            if (value !== "") {
              body.credentials[field.spec.name] = value;
            }
          } else {
            body[field.group] = value;
          }
        });

        return body;
      },

      /** Show ``message`` on the named field; return false if there is none. */
      showError(name, message, focus) {
        const field = name ? findField(name) : null;
        if (!field) {
          return false;
        }
        showFieldError(field, message, focus);

        return true;
      },

      showFormError(message, focus) {
        formError.textContent = message;
        formError.hidden = false;
        if (focus) {
          formError.focus();
        }
      },

      clearErrors,

      /** Lock the form while the system checks; say so in the status line. */
      setBusy(busy, template, values) {
        fieldset.disabled = busy;
        submit.disabled = busy;
        status.classList.toggle("status-busy", busy);
        if (busy) {
          page.fillText(status, template, values || {});
        } else {
          status.textContent = "";
        }
      },

      focusFirst() {
        if (fields.length) {
          fields[0].input.focus();
        }
      },
    };

    function clearErrors() {
      formError.hidden = true;
      formError.textContent = "";
      fields.forEach(hideFieldError);
    }
  }

  function contactSpec(kind, partnerName) {
    if (kind === "name") {
      return {
        name: "name",
        label: "Connection name",
        type: "text",
        required: true,
        help: "A name to recognise this connection, such as the site or plant.",
        autocomplete: "off",
      };
    }

    return {
      name: "email",
      label: "Email",
      type: "email",
      required: true,
      help: "Where {partner} can reach you about this connection.",
      helpValues: { partner: partnerName },
      autocomplete: "email",
    };
  }

  function buildField(container, spec, id, group) {
    const wrapper = element("div", "field");
    const label = element("label", "label", spec.label);
    label.htmlFor = id;
    wrapper.appendChild(label);
    if (!spec.required) {
      wrapper.appendChild(element("span", "optional", "Optional"));
    }

    let help = null;
    if (spec.help) {
      help = element("p", "hint");
      if (spec.helpValues) {
        page.fillText(help, spec.help, spec.helpValues);
      } else {
        help.textContent = spec.help;
      }
      help.id = `${id}-help`;
      wrapper.appendChild(help);
    }

    const error = element("p", "field-error");
    error.id = `${id}-error`;
    error.setAttribute("role", "alert");
    error.hidden = true;
    wrapper.appendChild(error);

    const input = spec.type === "select" ? buildSelect(spec) : buildInput(spec);
    input.id = id;
    input.name = group === "credentials" ? spec.name : group;
    if (spec.required) {
      input.required = true;
      input.setAttribute("aria-required", "true");
    }
    wrapper.appendChild(input);
    container.appendChild(wrapper);

    const field = { spec, group, input, help, error };
    describe(field);

    return field;
  }

  function buildInput(spec) {
    const input = element("input", "input");
    input.type = spec.type === "email" ? "email" : INPUT_TYPES[spec.type] || "text";
    input.autocomplete = spec.autocomplete || (spec.type === "password" ? "current-password" : "off");
    if (spec.type !== "number") {
      input.spellcheck = false;
      input.setAttribute("autocapitalize", "none");
    }
    if (spec.type === "url") {
      input.inputMode = "url";
      input.placeholder = "https://";
    }
    if (spec.default !== undefined && spec.default !== null && spec.type !== "password") {
      input.value = String(spec.default);
    }

    return input;
  }

  function buildSelect(spec) {
    const select = element("select", "input select");
    (spec.options || []).forEach((option) => {
      const choice = element("option", null, String(option));
      choice.value = String(option);
      select.appendChild(choice);
    });
    if (spec.default !== undefined && spec.default !== null) {
      select.value = String(spec.default);
    }

    return select;
  }

  function problemWith(field) {
    const { input, spec } = field;
    const value = valueOf(field);
    if (value === "" && input.validity.badInput) {
      return "Enter a number.";
    }
    if (value === "") {
      return spec.required ? missingMessage(field) : null;
    }
    if (input.validity.typeMismatch && spec.type === "url") {
      return "Enter the full address, like https://example.com.";
    }
    if (input.validity.typeMismatch && spec.type === "email") {
      return "Enter an email address, like name@example.com.";
    }

    return null;
  }

  function missingMessage(field) {
    if (field.group === "name") {
      return "Give the connection a name.";
    }
    if (field.group === "email") {
      return "Enter an email address.";
    }
    if (field.spec.type === "select") {
      return `Choose ${lowerFirst(field.spec.label)}.`;
    }

    return `Enter your ${lowerFirst(field.spec.label)}.`;
  }

  /** Lower-case the first letter unless the word is an acronym ("API key"). */
  function lowerFirst(text) {
    if (text.length > 1 && text[1] === text[1].toUpperCase() && /[A-Z]/.test(text[1])) {
      return text;
    }

    return text.charAt(0).toLowerCase() + text.slice(1);
  }

  function valueOf(field) {
    const raw = field.input.value;
    // Passwords and keys may legitimately start or end with spaces.
    return field.spec.type === "password" ? raw : raw.trim();
  }

  function showFieldError(field, message, focus) {
    field.error.textContent = message;
    field.error.hidden = false;
    field.input.setAttribute("aria-invalid", "true");
    describe(field);
    if (focus) {
      field.input.focus();
    }
  }

  function hideFieldError(field) {
    if (field.error.hidden) {
      return;
    }
    field.error.hidden = true;
    field.error.textContent = "";
    field.input.removeAttribute("aria-invalid");
    describe(field);
  }

  function describe(field) {
    const ids = [];
    if (!field.error.hidden) {
      ids.push(field.error.id);
    }
    if (field.help) {
      ids.push(field.help.id);
    }
    if (ids.length) {
      field.input.setAttribute("aria-describedby", ids.join(" "));
    } else {
      field.input.removeAttribute("aria-describedby");
    }
  }

  page.createCredentialsForm = createCredentialsForm;
})();
