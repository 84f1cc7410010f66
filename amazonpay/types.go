package amazonpay

// Values of the enumerations Amazon uses in objects.
const (
	ProductTypePayAndShip = "PayAndShip"
	ProductTypePayOnly    = "PayOnly"
	ProductTypeSignIn     = "SignIn"

	PaymentIntentConfirm              = "Confirm"
	PaymentIntentAuthorize            = "Authorize"
	PaymentIntentAuthorizeWithCapture = "AuthorizeWithCapture"

	ChargePermissionTypeOneTime = "OneTime"

	// Checkout session states.
	StateOpen      = "Open"
	StateCompleted = "Completed"
	StateCanceled  = "Canceled"

	// Charge permission states.
	StateChargeable    = "Chargeable"
	StateNonChargeable = "NonChargeable"
	StateClosed        = "Closed"

	// Charge states (StateCanceled too).
	StateAuthorizationInitiated = "AuthorizationInitiated"
	StateAuthorized             = "Authorized"
	StateCaptureInitiated       = "CaptureInitiated"
	StateCaptured               = "Captured"
	StateDeclined               = "Declined"

	// Refund states (StateDeclined too).
	StateRefundInitiated = "RefundInitiated"
	StateRefunded        = "Refunded"

	ReleaseEnvironmentSandbox = "Sandbox"
	ReleaseEnvironmentLive    = "Live"
)

// WebCheckoutDetails holds the URLs of the buyer's journey.
type WebCheckoutDetails struct {
	CheckoutReviewReturnURL string `json:"checkoutReviewReturnUrl,omitempty"`
	CheckoutResultReturnURL string `json:"checkoutResultReturnUrl,omitempty"`
	CheckoutCancelURL       string `json:"checkoutCancelUrl,omitempty"`
	AmazonPayRedirectURL    string `json:"amazonPayRedirectUrl,omitempty"`
	CheckoutMode            string `json:"checkoutMode,omitempty"`
}

// PaymentDetails says how the checkout is to be paid.
type PaymentDetails struct {
	PaymentIntent                 string `json:"paymentIntent,omitempty"`
	CanHandlePendingAuthorization bool   `json:"canHandlePendingAuthorization,omitempty"`
	ChargeAmount                  *Price `json:"chargeAmount,omitempty"`
	TotalOrderAmount              *Price `json:"totalOrderAmount,omitempty"`
	SoftDescriptor                string `json:"softDescriptor,omitempty"`
	PresentmentCurrency           string `json:"presentmentCurrency,omitempty"`
	AllowOvercharge               bool   `json:"allowOvercharge,omitempty"`
	ExtendExpiration              bool   `json:"extendExpiration,omitempty"`
}

// MerchantMetadata is the shop's own bookkeeping shown to the buyer.
type MerchantMetadata struct {
	MerchantReferenceID string `json:"merchantReferenceId,omitempty"`
	MerchantStoreName   string `json:"merchantStoreName,omitempty"`
	NoteToBuyer         string `json:"noteToBuyer,omitempty"`
	CustomInformation   string `json:"customInformation,omitempty"`
}

// ProviderMetadata is for payment service providers; shops leave it empty.
type ProviderMetadata struct {
	ProviderReferenceID string `json:"providerReferenceId,omitempty"`
}

// Buyer is the buyer of a checkout session, or of sign-in (GetBuyer).
type Buyer struct {
	BuyerID         string   `json:"buyerId"`
	Name            string   `json:"name,omitempty"`
	Email           string   `json:"email,omitempty"`
	PhoneNumber     string   `json:"phoneNumber,omitempty"`
	PostalCode      string   `json:"postalCode,omitempty"`
	CountryCode     string   `json:"countryCode,omitempty"`
	ShippingAddress *Address `json:"shippingAddress,omitempty"`
	BillingAddress  *Address `json:"billingAddress,omitempty"`
	PrimeMembership []string `json:"primeMembershipTypes,omitempty"`
}

// Address is a shipping or billing address. In Japan stateOrRegion holds the
// prefecture, city the city or ward, and addressLine1-3 the rest.
type Address struct {
	Name          string `json:"name,omitempty"`
	AddressLine1  string `json:"addressLine1,omitempty"`
	AddressLine2  string `json:"addressLine2,omitempty"`
	AddressLine3  string `json:"addressLine3,omitempty"`
	City          string `json:"city,omitempty"`
	County        string `json:"county,omitempty"`
	District      string `json:"district,omitempty"`
	StateOrRegion string `json:"stateOrRegion,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	CountryCode   string `json:"countryCode,omitempty"`
	PhoneNumber   string `json:"phoneNumber,omitempty"`
}

// PaymentPreference describes the payment instrument the buyer chose. On a
// charge permission it names the instrument the payment was made with; in
// Japan its paymentDescriptor is "Amazonギフト券" for a gift card only,
// "Amazonギフト券と指定のお支払い方法" for a gift card and a card, and
// "Amazonアカウントで指定したお支払い方法" or the card ("Visa ****1111") for
// a card only.
type PaymentPreference struct {
	PaymentDescriptor string   `json:"paymentDescriptor,omitempty"`
	BillingAddress    *Address `json:"billingAddress,omitempty"`
}

// StatusDetails is the state of a checkout session, charge or refund.
type StatusDetails struct {
	State                string    `json:"state"`
	ReasonCode           string    `json:"reasonCode,omitempty"`
	ReasonDescription    string    `json:"reasonDescription,omitempty"`
	LastUpdatedTimestamp Timestamp `json:"lastUpdatedTimestamp"`
}

// StatusReason is one reason of a charge permission's state.
type StatusReason struct {
	ReasonCode        string `json:"reasonCode"`
	ReasonDescription string `json:"reasonDescription,omitempty"`
}

// ChargePermissionStatus is the state of a charge permission; unlike the other
// objects its reasons are a list.
type ChargePermissionStatus struct {
	State                string         `json:"state"`
	Reasons              []StatusReason `json:"reasons,omitempty"`
	LastUpdatedTimestamp Timestamp      `json:"lastUpdatedTimestamp"`
}

// Constraint is something that keeps a checkout session from being completed.
type Constraint struct {
	ConstraintID string `json:"constraintId"`
	Description  string `json:"description,omitempty"`
}

// Constraint IDs of a checkout session.
const (
	ConstraintBuyerNotAssociated            = "BuyerNotAssociated"
	ConstraintChargeAmountNotSet            = "ChargeAmountNotSet"
	ConstraintCheckoutResultReturnURLNotSet = "CheckoutResultReturnUrlNotSet"
	ConstraintPaymentIntentNotSet           = "PaymentIntentNotSet"
)

// CheckoutSession is Amazon's checkout session object.
type CheckoutSession struct {
	CheckoutSessionID    string              `json:"checkoutSessionId"`
	WebCheckoutDetails   WebCheckoutDetails  `json:"webCheckoutDetails"`
	ProductType          string              `json:"productType,omitempty"`
	PaymentDetails       PaymentDetails      `json:"paymentDetails"`
	ChargePermissionType string              `json:"chargePermissionType,omitempty"`
	MerchantMetadata     MerchantMetadata    `json:"merchantMetadata"`
	Buyer                *Buyer              `json:"buyer,omitempty"`
	BillingAddress       *Address            `json:"billingAddress,omitempty"`
	ShippingAddress      *Address            `json:"shippingAddress,omitempty"`
	PaymentPreferences   []PaymentPreference `json:"paymentPreferences,omitempty"`
	StatusDetails        StatusDetails       `json:"statusDetails"`
	Constraints          []Constraint        `json:"constraints,omitempty"`
	ChargePermissionID   string              `json:"chargePermissionId,omitempty"`
	ChargeID             string              `json:"chargeId,omitempty"`
	Scopes               []string            `json:"scopes,omitempty"`
	StoreID              string              `json:"storeId,omitempty"`
	PlatformID           string              `json:"platformId,omitempty"`
	ProviderMetadata     *ProviderMetadata   `json:"providerMetadata,omitempty"`
	CreationTimestamp    Timestamp           `json:"creationTimestamp"`
	ExpirationTimestamp  Timestamp           `json:"expirationTimestamp"`
	ReleaseEnvironment   string              `json:"releaseEnvironment,omitempty"`
}

// ChargePermissionLimits are the amount limit of a charge permission and what
// is left of it.
type ChargePermissionLimits struct {
	AmountLimit   Price `json:"amountLimit"`
	AmountBalance Price `json:"amountBalance"`
}

// ChargePermission is Amazon's charge permission object; its ID (S03-...) is
// the Amazon reference ID.
type ChargePermission struct {
	ChargePermissionID   string                 `json:"chargePermissionId"`
	ChargePermissionType string                 `json:"chargePermissionType,omitempty"`
	Buyer                *Buyer                 `json:"buyer,omitempty"`
	ShippingAddress      *Address               `json:"shippingAddress,omitempty"`
	BillingAddress       *Address               `json:"billingAddress,omitempty"`
	PaymentPreferences   []PaymentPreference    `json:"paymentPreferences,omitempty"`
	StatusDetails        ChargePermissionStatus `json:"statusDetails"`
	Limits               ChargePermissionLimits `json:"limits"`
	MerchantMetadata     MerchantMetadata       `json:"merchantMetadata"`
	PlatformID           string                 `json:"platformId,omitempty"`
	CreationTimestamp    Timestamp              `json:"creationTimestamp"`
	ExpirationTimestamp  Timestamp              `json:"expirationTimestamp"`
	PresentmentCurrency  string                 `json:"presentmentCurrency,omitempty"`
	ReleaseEnvironment   string                 `json:"releaseEnvironment,omitempty"`
}

// Charge is Amazon's charge object (ID S03-...-C000001).
type Charge struct {
	ChargeID           string `json:"chargeId"`
	ChargePermissionID string `json:"chargePermissionId"`
	ChargeAmount       Price  `json:"chargeAmount"`
	CaptureAmount      *Price `json:"captureAmount,omitempty"`
	RefundedAmount     *Price `json:"refundedAmount,omitempty"`
	SoftDescriptor     string `json:"softDescriptor,omitempty"`
	// MerchantMetadata, CaptureNow and CanHandlePendingAuthorization are as
	// sent on Create Charge (for a charge made by Complete Checkout Session:
	// the session's metadata, its intent and its pending flag).
	MerchantMetadata              MerchantMetadata  `json:"merchantMetadata"`
	CaptureNow                    bool              `json:"captureNow"`
	CanHandlePendingAuthorization bool              `json:"canHandlePendingAuthorization"`
	ProviderMetadata              *ProviderMetadata `json:"providerMetadata,omitempty"`
	StatusDetails                 StatusDetails     `json:"statusDetails"`
	CreationTimestamp             Timestamp         `json:"creationTimestamp"`
	ExpirationTimestamp           Timestamp         `json:"expirationTimestamp"`
	ReleaseEnvironment            string            `json:"releaseEnvironment,omitempty"`
}

// Refund is Amazon's refund object (ID S03-...-R000001).
type Refund struct {
	RefundID           string        `json:"refundId"`
	ChargeID           string        `json:"chargeId"`
	RefundAmount       Price         `json:"refundAmount"`
	SoftDescriptor     string        `json:"softDescriptor,omitempty"`
	StatusDetails      StatusDetails `json:"statusDetails"`
	CreationTimestamp  Timestamp     `json:"creationTimestamp"`
	ReleaseEnvironment string        `json:"releaseEnvironment,omitempty"`
}

// CreateCheckoutSessionRequest is the body of Create Checkout Session, and
// the payload signed for the button (createCheckoutSessionConfig.payloadJSON).
type CreateCheckoutSessionRequest struct {
	WebCheckoutDetails   WebCheckoutDetails `json:"webCheckoutDetails"`
	StoreID              string             `json:"storeId"`
	Scopes               []string           `json:"scopes,omitempty"`
	ChargePermissionType string             `json:"chargePermissionType,omitempty"`
	PaymentDetails       *PaymentDetails    `json:"paymentDetails,omitempty"`
	MerchantMetadata     *MerchantMetadata  `json:"merchantMetadata,omitempty"`
	PlatformID           string             `json:"platformId,omitempty"`
	ProviderMetadata     *ProviderMetadata  `json:"providerMetadata,omitempty"`
}

// UpdateCheckoutSessionRequest is the body of Update Checkout Session.
type UpdateCheckoutSessionRequest struct {
	WebCheckoutDetails *WebCheckoutDetails `json:"webCheckoutDetails,omitempty"`
	PaymentDetails     *PaymentDetails     `json:"paymentDetails,omitempty"`
	MerchantMetadata   *MerchantMetadata   `json:"merchantMetadata,omitempty"`
	PlatformID         string              `json:"platformId,omitempty"`
	ProviderMetadata   *ProviderMetadata   `json:"providerMetadata,omitempty"`
}

// CompleteCheckoutSessionRequest is the body of Complete Checkout Session; the
// amount must equal paymentDetails.chargeAmount of the session.
type CompleteCheckoutSessionRequest struct {
	ChargeAmount     Price  `json:"chargeAmount"`
	TotalOrderAmount *Price `json:"totalOrderAmount,omitempty"`
}

// UpdateChargePermissionRequest is the body of Update Charge Permission.
type UpdateChargePermissionRequest struct {
	MerchantMetadata *MerchantMetadata `json:"merchantMetadata,omitempty"`
}

// CloseChargePermissionRequest is the body of Close Charge Permission.
type CloseChargePermissionRequest struct {
	ClosureReason        string `json:"closureReason,omitempty"`
	CancelPendingCharges bool   `json:"cancelPendingCharges,omitempty"`
}

// CreateChargeRequest is the body of Create Charge.
type CreateChargeRequest struct {
	ChargePermissionID            string            `json:"chargePermissionId"`
	ChargeAmount                  Price             `json:"chargeAmount"`
	CaptureNow                    bool              `json:"captureNow,omitempty"`
	SoftDescriptor                string            `json:"softDescriptor,omitempty"`
	CanHandlePendingAuthorization bool              `json:"canHandlePendingAuthorization,omitempty"`
	MerchantMetadata              *MerchantMetadata `json:"merchantMetadata,omitempty"`
	ProviderMetadata              *ProviderMetadata `json:"providerMetadata,omitempty"`
	PlatformID                    string            `json:"platformId,omitempty"`
}

// CaptureChargeRequest is the body of Capture Charge.
type CaptureChargeRequest struct {
	CaptureAmount  Price  `json:"captureAmount"`
	SoftDescriptor string `json:"softDescriptor,omitempty"`
}

// CancelChargeRequest is the body of Cancel Charge.
type CancelChargeRequest struct {
	CancellationReason string `json:"cancellationReason,omitempty"`
}

// CreateRefundRequest is the body of Create Refund.
type CreateRefundRequest struct {
	ChargeID       string `json:"chargeId"`
	RefundAmount   Price  `json:"refundAmount"`
	SoftDescriptor string `json:"softDescriptor,omitempty"`
}

// SignInPayload is the payload signed for a sign-in button (signInConfig).
type SignInPayload struct {
	SignInReturnURL string   `json:"signInReturnUrl"`
	StoreID         string   `json:"storeId"`
	SignInScopes    []string `json:"signInScopes,omitempty"`
	SignInCancelURL string   `json:"signInCancelUrl,omitempty"`
}
