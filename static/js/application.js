// The application form, enhanced: autosave, edit conflicts, conditional questions, budget lines.
// Progressive enhancement only: without this file the form is saved with its Save button and the page shows
// what the saved answers make visible. Every text shown here comes from data- attributes rendered in the page's
// language (templates/portal/grants/application_form.html).
(function () {
  "use strict";

  const DELAY_MS = 3000;
  const RETRY_MS = 10000;

  function init(form) {
    const data = form.dataset;
    const status = document.getElementById("autosave-status");
    const versionInput = document.getElementById("application-version");
    const conflictPanel = document.getElementById("conflict");
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    let timer = null;
    let dirty = false;
    let inFlight = null;
    let inConflict = !conflictPanel.hidden;

    function setStatus(state, text) {
      status.dataset.state = state;
      status.textContent = text;
    }

    // --- answers as the server reads them (grants/forms_portal.py does the same for a normal POST) ---
    function answers() {
      const result = {};
      form.querySelectorAll("[data-field]").forEach((wrapper) => {
        const key = wrapper.dataset.field;
        const type = wrapper.dataset.type;
        if (type === "file") return;
        if (type === "yes_no") {
          const checked = wrapper.querySelector("input[type=radio]:checked");
          if (checked) result[key] = checked.value;
        } else if (type === "budget_table") {
          result[key] = Array.from(wrapper.querySelectorAll("tbody[data-budget-lines] tr.budget-line")).map((row) => ({
            label: row.querySelector("[data-part=label]").value,
            amount: row.querySelector("[data-part=amount]").value,
          }));
        } else {
          const input = wrapper.querySelector("input, select, textarea");
          if (input) result[key] = input.value;
        }
      });
      return result;
    }

    function currentValue(key) {
      const wrapper = form.querySelector(`[data-field="${key}"]`);
      if (!wrapper) return "";
      if (wrapper.dataset.type === "yes_no") {
        const checked = wrapper.querySelector("input[type=radio]:checked");
        return checked ? checked.value : "";
      }
      const input = wrapper.querySelector("input, select, textarea");
      return input ? input.value : "";
    }

    // --- conditional sections and questions ---
    function applyConditions() {
      form.querySelectorAll("[data-show-if]").forEach((element) => {
        const condition = JSON.parse(element.dataset.showIf);
        element.hidden = !condition.values.includes(currentValue(condition.field));
      });
    }

    // --- errors next to the fields ---
    function clearErrors() {
      form.querySelectorAll(".field-errors").forEach((box) => (box.textContent = ""));
      form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
      form.querySelectorAll(".field--error").forEach((wrapper) => wrapper.classList.remove("field--error"));
    }

    function errorBox(name) {
      const [key, position, part] = name.split(".");
      const wrapper = form.querySelector(`[data-field="${key}"]`);
      if (!wrapper) return null;
      if (position === undefined) return { wrapper, box: wrapper.querySelector(`[data-errors-for="${key}"]`), input: null };
      const row = wrapper.querySelectorAll("tbody[data-budget-lines] tr.budget-line")[Number(position)];
      if (!row) return { wrapper, box: wrapper.querySelector(`[data-errors-for="${key}"]`), input: null };
      const input = row.querySelector(`[data-part="${part}"]`);
      return { wrapper, box: input.closest("td").querySelector(".field-errors"), input };
    }

    function showErrors(fields) {
      clearErrors();
      Object.entries(fields || {}).forEach(([name, messages]) => {
        const target = errorBox(name);
        if (!target || !target.box) return;
        target.wrapper.classList.add("field--error");
        (target.input || target.wrapper.querySelector("input, select, textarea"))?.setAttribute("aria-invalid", "true");
        messages.forEach((message) => {
          const paragraph = document.createElement("p");
          paragraph.className = "error";
          paragraph.textContent = message;
          target.box.appendChild(paragraph);
        });
      });
    }

    // --- totals and conflicts ---
    function showTotals(totals) {
      Object.entries(totals || {}).forEach(([key, value]) => {
        const cell = document.querySelector(`[data-total="${key}"]`);
        if (cell) cell.textContent = value;
      });
    }

    function showConflict(body) {
      inConflict = true;
      conflictPanel.querySelector("[data-conflict-message]").textContent = body.message;
      const list = conflictPanel.querySelector("[data-conflict-changes]");
      list.textContent = "";
      (body.changed_display || []).forEach((change) => {
        const term = document.createElement("dt");
        term.textContent = change.label;
        const value = document.createElement("dd");
        value.textContent = change.value;
        list.append(term, value);
      });
      conflictPanel.hidden = false;
      conflictPanel.scrollIntoView({ block: "start" });
      setStatus("conflict", data.msgNotSaved.replace("{reason}", data.msgConflict));
    }

    // --- saving ---
    function schedule(delay) {
      dirty = true;
      clearTimeout(timer);
      if (inConflict) return;
      if (!["pending", "saving"].includes(status.dataset.state)) setStatus("pending", data.msgUnsaved);
      timer = setTimeout(save, delay);
    }

    async function save(overwrite = false, keepalive = false) {
      clearTimeout(timer);
      if (inFlight) {
        await inFlight.catch(() => {});
        if (!dirty && !overwrite) return true;
      }
      if (inConflict && !overwrite) return false;
      dirty = false;
      setStatus("saving", data.msgSaving);
      const current = send(overwrite, keepalive);
      inFlight = current;
      try {
        return await current;
      } finally {
        if (inFlight === current) inFlight = null;
      }
    }

    async function send(overwrite, keepalive) {
      let response;
      let body = {};
      try {
        response = await fetch(data.autosaveUrl, {
          method: "POST",
          credentials: "same-origin",
          keepalive,
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
          body: JSON.stringify({ version: Number(versionInput.value), answers: answers(), overwrite }),
        });
      } catch (error) {
        dirty = true;
        setStatus("error", data.msgNotSaved.replace("{reason}", data.msgOffline));
        timer = setTimeout(save, RETRY_MS);
        return false;
      }
      try {
        body = await response.json();
      } catch (error) {
        // Not our JSON: the sign-in page after the session ended (the fetch followed its redirect), or a proxy's page.
        dirty = true;
        setStatus("error", data.msgNotSaved.replace("{reason}", response.redirected ? data.msgSignedOut : data.msgOffline));
        return false;
      }
      if (response.ok) {
        versionInput.value = body.version;
        showTotals(body.totals_display);
        clearErrors();
        inConflict = false;
        conflictPanel.hidden = true;
        // Changes typed while this save travelled are still to be sent: say so rather than "saved".
        if (dirty) setStatus("pending", data.msgUnsaved);
        else setStatus("saved", data.msgSaved.replace("{time}", body.saved_at));
        return true;
      }
      if (response.status === 409 && Array.isArray(body.changed)) {
        showConflict(body);
      } else if (response.status === 400 && body.fields && Object.keys(body.fields).length) {
        showErrors(body.fields);
        setStatus("error", data.msgNotSaved.replace("{reason}", data.msgInvalid));
      } else {
        setStatus("error", data.msgNotSaved.replace("{reason}", body.message || response.statusText));
      }
      return false;
    }

    // --- budget lines ---
    function nextIndex(table) {
      const indexes = Array.from(table.querySelectorAll("tr.budget-line")).map((row) => Number(row.dataset.line) || 0);
      return indexes.length ? Math.max(...indexes) + 1 : 0;
    }

    function addLine(key) {
      const wrapper = form.querySelector(`[data-field="${key}"]`);
      const body = wrapper.querySelector("tbody[data-budget-lines]");
      const index = nextIndex(body);
      const html = wrapper.querySelector("template[data-line-template]").innerHTML
        .replaceAll("__index__", String(index))
        .replaceAll("__number__", String(index + 1));
      body.insertAdjacentHTML("beforeend", html);
      body.lastElementChild.querySelector("input").focus();
    }

    function removeLine(button) {
      const row = button.closest("tr.budget-line");
      const body = row.parentElement;
      const focusTarget = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (!body.querySelector("tr.budget-line")) addLine(body.closest("[data-field]").dataset.field);
      else if (focusTarget) focusTarget.querySelector("input").focus();
      schedule(0);
    }

    // --- events ---
    form.addEventListener("input", (event) => {
      if (event.target.matches("input, select, textarea")) {
        applyConditions();
        schedule(DELAY_MS);
      }
    });
    form.addEventListener("change", () => {
      applyConditions();
      if (dirty) schedule(0);
    });
    form.addEventListener("focusout", (event) => {
      if (dirty && event.target.matches("input, select, textarea")) schedule(0);
    });
    form.addEventListener("click", (event) => {
      const add = event.target.closest("[data-add-line]");
      const remove = event.target.closest("[data-remove-line]");
      const mine = event.target.closest("[data-keep-mine]");
      if (add) {
        event.preventDefault();
        addLine(add.dataset.addLine);
      } else if (remove) {
        event.preventDefault();
        removeLine(remove);
      } else if (mine) {
        event.preventDefault();
        save(true);
      }
    });
    // "Keep theirs" is a plain link to the page: a GET, so it also works after a conflict shown by a POST.

    // A normal Save waits for an autosave in flight, so that it carries the version that save produced.
    form.addEventListener("submit", (event) => {
      clearTimeout(timer);
      if (!inFlight) {
        dirty = false; // this POST carries every answer: no autosave must race it when the page is left
        return;
      }
      event.preventDefault();
      const submitter = event.submitter || null;
      inFlight.finally(() => {
        if (!inConflict) form.requestSubmit(submitter);
      });
    });
    // Other forms of the page (documents, signature request) leave it: save the answers first.
    document.addEventListener("submit", (event) => {
      const other = event.target;
      if (other === form || event.defaultPrevented || !(dirty || inFlight)) return;
      event.preventDefault();
      const submitter = event.submitter;
      save().finally(() => {
        // submit() sends no button and runs no listener again (no second confirmation): carry the button's value.
        if (submitter && submitter.name) {
          const carried = document.createElement("input");
          carried.type = "hidden";
          carried.name = submitter.name;
          carried.value = submitter.value;
          other.appendChild(carried);
        }
        other.submit();
      });
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && dirty && !inConflict) save(false, true);
    });

    applyConditions();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("application-form");
    if (form && form.dataset.autosaveUrl) init(form);
  });
})();
