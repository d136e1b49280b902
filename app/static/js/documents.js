// The document library's pages: drag and drop, one upload request per file with a progress
// bar. Without this script every form still works as a plain form.
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";

  function formatSize(bytes) {
    var units = ["byte", "kilobyte", "megabyte", "gigabyte"];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    try {
      return new Intl.NumberFormat(lang, {
        style: "unit", unit: units[unit], unitDisplay: "short", maximumFractionDigits: 1
      }).format(value);
    } catch (error) {
      return value.toFixed(1) + " " + ["B", "KB", "MB", "GB"][unit];
    }
  }

  function fill(template, name) {
    return (template || "").split("{name}").join(name);
  }

  function setFiles(input, files) {
    if (typeof DataTransfer === "undefined") {
      return false;
    }
    var transfer = new DataTransfer();
    var count = input.multiple ? files.length : Math.min(files.length, 1);
    for (var i = 0; i < count; i += 1) {
      transfer.items.add(files[i]);
    }
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function UploadForm(form) {
    this.form = form;
    this.input = form.querySelector("input[type=file]");
    this.list = form.querySelector("[data-upload-list]");
    this.zone = form.querySelector("[data-drop-zone]");
    this.submit = form.querySelector("[type=submit]");
    this.rows = [];
    this.busy = false;
    if (!this.input || !this.list) {
      return;
    }
    this.input.addEventListener("change", this.showFiles.bind(this));
    form.addEventListener("submit", this.send.bind(this));
    if (this.zone) {
      this.watchDropZone();
    }
  }

  UploadForm.prototype.message = function (name) {
    return this.form.getAttribute("data-msg-" + name) || "";
  };

  UploadForm.prototype.watchDropZone = function () {
    var zone = this.zone;
    var input = this.input;
    var highlight = ["border-primary", "bg-primary-subtle"];
    function over(event) {
      event.preventDefault();
      zone.classList.add.apply(zone.classList, highlight);
    }
    function leave() {
      zone.classList.remove.apply(zone.classList, highlight);
    }
    zone.addEventListener("dragenter", over);
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", leave);
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      leave();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        setFiles(input, event.dataTransfer.files);
      }
    });
  };

  UploadForm.prototype.showFiles = function () {
    var self = this;
    this.list.textContent = "";
    this.rows = Array.prototype.map.call(this.input.files, function (file) {
      var item = document.createElement("li");
      item.className = "border rounded p-2 mb-2";
      var name = document.createElement("div");
      name.className = "d-flex flex-wrap gap-2";
      var title = document.createElement("span");
      title.className = "fw-semibold text-break me-auto";
      title.textContent = file.name;
      var size = document.createElement("span");
      size.className = "text-body-secondary small";
      size.textContent = formatSize(file.size);
      name.appendChild(title);
      name.appendChild(size);
      var progress = document.createElement("progress");
      progress.className = "w-100";
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", fill(self.message("progress"), file.name));
      var status = document.createElement("div");
      status.className = "small";
      status.setAttribute("role", "status");
      status.textContent = self.message("waiting");
      item.appendChild(name);
      item.appendChild(progress);
      item.appendChild(status);
      self.list.appendChild(item);
      return { file: file, item: item, progress: progress, status: status };
    });
  };

  UploadForm.prototype.problems = function () {
    var problems = [];
    var files = this.input.files;
    var max = parseInt(this.form.getAttribute("data-max-size"), 10);
    var title = this.form.querySelector("[name=title]");
    if (!files.length) {
      problems.push(this.message("no-file"));
    }
    if (title && title.value.trim() && files.length > 1) {
      problems.push(this.message("title-one-file"));
    }
    for (var i = 0; i < files.length; i += 1) {
      if (max && files[i].size > max) {
        problems.push(fill(this.message("too-large"), files[i].name));
      }
    }
    return problems;
  };

  UploadForm.prototype.fail = function (row, text) {
    row.status.textContent = text;
    row.status.className = "small text-danger";
    row.item.classList.add("border-danger");
  };

  UploadForm.prototype.send = function (event) {
    if (typeof FormData === "undefined" || typeof XMLHttpRequest === "undefined") {
      return; // the plain form does the job
    }
    event.preventDefault();
    if (this.busy) {
      return;
    }
    this.showFiles();
    var problems = this.problems();
    if (problems.length) {
      var self = this;
      this.list.textContent = "";
      problems.forEach(function (text) {
        var item = document.createElement("li");
        item.className = "alert alert-danger py-2 mb-2";
        item.setAttribute("role", "alert");
        item.textContent = text;
        self.list.appendChild(item);
      });
      return;
    }
    this.busy = true;
    if (this.submit) {
      this.submit.disabled = true;
    }
    this.failed = [];
    this.redirect = null;
    this.next(0);
  };

  UploadForm.prototype.next = function (index) {
    var self = this;
    if (index >= this.rows.length) {
      this.finish();
      return;
    }
    var row = this.rows[index];
    var data = new FormData(this.form);
    data.delete(this.input.name);
    data.append(this.input.name, row.file, row.file.name);
    var request = new XMLHttpRequest();
    request.open("POST", this.form.action);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        row.progress.value = Math.round((progress.loaded / progress.total) * 100);
      }
    });
    request.addEventListener("load", function () {
      var answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = null;
      }
      if (request.status === 200 && answer && answer.ok) {
        row.progress.value = 100;
        row.status.textContent = self.message("done");
        row.status.className = "small text-success";
        self.redirect = answer.redirect;
      } else if (request.status === 413) {
        self.fail(row, fill(self.message("too-large"), row.file.name));
        self.failed.push(row.file);
      } else if (answer && answer.errors) {
        self.fail(row, answer.errors.join(" "));
        self.failed.push(row.file);
      } else {
        self.fail(row, fill(self.message("failed"), row.file.name));
        self.failed.push(row.file);
      }
      self.next(index + 1);
    });
    request.addEventListener("error", function () {
      self.fail(row, fill(self.message("failed"), row.file.name));
      self.failed.push(row.file);
      self.next(index + 1);
    });
    request.send(data);
  };

  UploadForm.prototype.finish = function () {
    this.busy = false;
    if (this.submit) {
      this.submit.disabled = false;
    }
    if (!this.failed.length && this.redirect) {
      window.location.assign(this.redirect);
      return;
    }
    // Keep only the files that did not arrive, so that sending again retries just those.
    var rows = this.rows;
    if (typeof DataTransfer !== "undefined") {
      var transfer = new DataTransfer();
      this.failed.forEach(function (file) { transfer.items.add(file); });
      this.input.files = transfer.files;
    }
    this.rows = rows;
  };

  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    return new UploadForm(form);
  });
})();
