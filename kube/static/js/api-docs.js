/* Starts Swagger UI in #swagger-ui for the OpenAPI document named by its data-openapi-url.
   A file rather than an inline script: the Content-Security-Policy allows only script-src 'self'. */
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: container.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    // Otherwise Swagger UI shows a badge fetched from validator.swagger.io, another origin.
    validatorUrl: null,
    deepLinking: true
  });
})();
