namespace Strangler.Cdc.Capture;

/// <summary>A setting or database state that stops the connector; the message is one line saying what to do.</summary>
public sealed class CdcConfigurationException(string message) : Exception(message);
