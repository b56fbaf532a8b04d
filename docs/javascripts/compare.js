// The comparison table: a family filter above each `.lineage-compare` table (the table works without it).
(function () {
  function addFilter(wrapper) {
    const table = wrapper.querySelector("table");
    if (!table || wrapper.querySelector("select")) return;
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const column = headers.indexOf("family");
    if (column < 0) return;
    const rows = [...table.querySelectorAll("tbody tr")];
    const families = [...new Set(rows.map((row) => row.cells[column].textContent.trim()))];
    if (families.length < 2) return;
    const label = document.createElement("label");
    label.className = "lineage-compare__filter";
    label.textContent = "Family ";
    const select = document.createElement("select");
    select.append(new Option("all families", ""));
    families.forEach((family) => select.append(new Option(family, family)));
    select.addEventListener("change", () => {
      rows.forEach((row) => {
        row.hidden = select.value !== "" && row.cells[column].textContent.trim() !== select.value;
      });
    });
    label.append(select);
    wrapper.prepend(label);
  }
  function setUp() {
    document.querySelectorAll(".lineage-compare").forEach(addFilter);
  }
  if (typeof document$ !== "undefined") document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
