package shop

// MailTemplateTx lets the external tests reach mailTemplateTx.
var MailTemplateTx = mailTemplateTx
