/**
 * Retry policies in Exim's retry-rule syntax, for remote delivery.
 *
 * <p>At {@code init} the delivery mailet parses its rules with {@link dev.postino.core.retry.RetryRules#parse}
 * (a {@link dev.postino.core.retry.RetryRuleSyntaxException} message goes verbatim into the refusal to start) and
 * builds a {@link dev.postino.core.retry.RetryPolicy}. After each failed attempt for a recipient it describes the
 * failure as a {@link dev.postino.core.retry.DeliveryFailure} and calls
 * {@link dev.postino.core.retry.RetryPolicy#afterFailure}, then either re-queues with the
 * {@link dev.postino.core.retry.RetryDecision.Retry retry}'s time and keeps its state (sending a delay warning when
 * one is due), or bounces with the {@link dev.postino.core.retry.RetryDecision.GiveUp give-up}'s status.
 * {@link dev.postino.core.retry.RetryPolicy#plan} simulates the whole sequence for {@code postino retry explain}.
 */
package dev.postino.core.retry;
